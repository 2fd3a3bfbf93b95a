namespace LayerCache.Dockerfile.Tests;

/// <summary>
/// Finds <c>TestData/conformance/dockerfile-parser</c> (BuildKit's parser test files, kept in the
/// repository), which the build copies next to the test binary.
/// </summary>
internal static class ConformanceData
{
    private static readonly Lazy<string> Location = new(Find);

    /// <summary>The conformance directory; throws (failing the test) when it cannot be found.</summary>
    public static string Directory => Location.Value;

    private static string Find()
    {
        var candidate = Path.Combine(AppContext.BaseDirectory, "TestData", "conformance", "dockerfile-parser");
        if (System.IO.Directory.Exists(Path.Combine(candidate, "positive")))
        {
            return candidate;
        }

        throw new DirectoryNotFoundException($"{candidate} not found: the test project copies TestData to its output");
    }
}
