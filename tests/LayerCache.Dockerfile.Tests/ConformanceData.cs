namespace LayerCache.Dockerfile.Tests;

/// <summary>Finds <c>shared/conformance/dockerfile-parser</c>, which sits beside the repository checkout.</summary>
internal static class ConformanceData
{
    private static readonly Lazy<string> Location = new(Find);

    /// <summary>The conformance directory; throws (failing the test) when it cannot be found.</summary>
    public static string Directory => Location.Value;

    private static string Find()
    {
        // The test binary lives somewhere under the checkout (bin/Debug/net10.0), and shared/ is
        // either inside an ancestor or a sibling of one, depending on how the checkout was made.
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            foreach (var candidate in new[]
            {
                Path.Combine(dir.FullName, "shared", "conformance", "dockerfile-parser"),
                Path.Combine(dir.FullName, "..", "shared", "conformance", "dockerfile-parser"),
            })
            {
                if (System.IO.Directory.Exists(Path.Combine(candidate, "positive")))
                {
                    return Path.GetFullPath(candidate);
                }
            }
        }

        throw new DirectoryNotFoundException(
            $"shared/conformance/dockerfile-parser not found above {AppContext.BaseDirectory}");
    }
}
