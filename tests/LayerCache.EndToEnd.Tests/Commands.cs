namespace LayerCache.EndToEnd.Tests;

/// <summary>The layercache command lines the tests run (JSON reports, offline builds).</summary>
internal static class Commands
{
    /// <summary>The scope the seed store's entry belongs to: the default branch of acme/shop.</summary>
    public const string MainScope = "acme/shop/main";

    /// <summary><c>layercache build … --format json CONTEXT -- --network none</c>.</summary>
    public static string[] Build(string context, string store, params string[] options) =>
        ["build", "--cache", "dir:" + store, "--format", "json", .. options, context, "--", "--network", "none"];

    /// <summary><c>layercache save … --format json CONTEXT -- --network none</c>.</summary>
    public static string[] Save(string context, string store, params string[] options) =>
        ["save", "--cache", "dir:" + store, "--format", "json", .. options, context, "--", "--network", "none"];

    /// <summary><c>layercache restore … --format json CONTEXT</c>.</summary>
    public static string[] Restore(string context, string store, params string[] options) =>
        ["restore", "--cache", "dir:" + store, "--format", "json", .. options, context];

    public static string[] Verify(string store) => ["verify", "--cache", "dir:" + store];

    public static string[] List(string store) => ["ls", "--cache", "dir:" + store, "--format", "json"];
}
