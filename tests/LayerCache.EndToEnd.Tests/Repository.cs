namespace LayerCache.EndToEnd.Tests;

/// <summary>Paths in the repository and next to the test binary.</summary>
internal static class Repository
{
    private static readonly Lazy<string> RootPath = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "LayerCache.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("LayerCache.slnx not found above " + AppContext.BaseDirectory);
    });

    /// <summary>The repository root (where LayerCache.slnx is).</summary>
    public static string Root => RootPath.Value;

    /// <summary>The example app of the README, the end-to-end fixture.</summary>
    public static string ExampleApp => Path.Combine(Root, "examples", "multistage");

    /// <summary>The CLI's assembly, copied next to the tests by the project reference.</summary>
    public static string CliAssembly => Path.Combine(AppContext.BaseDirectory, "layercache.dll");
}
