using System.Text.Json;
using LayerCache.Testing;

namespace LayerCache.Registry.Tests;

/// <summary>The real skopeo as the second client reading what ours wrote.</summary>
internal static class Skopeo
{
    public static async Task<string> RunAsync(IEnumerable<string> arguments, CancellationToken cancellationToken)
    {
        Prerequisites.EnsureSkopeo();
        var result = await ProcessRunner.RunAsync(Prerequisites.Skopeo, ["--insecure-policy", .. arguments], cancellationToken);
        result.EnsureSuccess();
        return result.StandardOutput;
    }

    public static async Task<JsonElement> InspectAsync(string reference, IEnumerable<string> options, bool raw, CancellationToken cancellationToken)
    {
        string[] arguments = raw ? ["inspect", "--raw", .. options, reference] : ["inspect", .. options, reference];
        using var document = JsonDocument.Parse(await RunAsync(arguments, cancellationToken));
        return document.RootElement.Clone();
    }
}
