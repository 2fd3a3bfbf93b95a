namespace LayerCache.EndToEnd.Tests;

/// <summary>
/// The end-to-end tests run in two xunit collections (run in parallel with each other, sequential
/// within), and every test holds at most one private engine at a time, so no more than two private
/// dockerds run at once on a two-core machine. <see cref="EngineSlots"/> enforces the bound anyway.
/// </summary>
public static class EngineCollections
{
    /// <summary>The first lane of engine tests.</summary>
    public const string A = "engines A";

    /// <summary>The second lane of engine tests.</summary>
    public const string B = "engines B";
}
