namespace LayerCache.EndToEnd.Tests;

/// <summary>Runs the example app's image, offline, and returns what it prints.</summary>
internal static class AppOutput
{
    public static async Task<string> RunAsync(Runner runner, string image, CancellationToken cancellationToken) =>
        (await runner.DockerAsync(Builder.Classic, ["run", "--rm", "--network", "none", image], cancellationToken)).StandardOutput;
}
