using System.Diagnostics;
using System.Text.Json;

namespace LayerCache.Oci.Tests;

/// <summary>Runs the real skopeo (Debian package <c>skopeo</c>) with an insecure policy, as the peer implementation.</summary>
internal static class Skopeo
{
    public static async Task<string> RunAsync(params string[] arguments)
    {
        var path = Find() ?? throw new InvalidOperationException(
            "skopeo is not installed: install the Debian package `skopeo` (apt-get install skopeo); these interop tests do not skip");
        var start = new ProcessStartInfo(path)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("--insecure-policy");
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start skopeo");
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Token);
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Token);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Token);
        timeout.CancelAfter(TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"skopeo {string.Join(' ', arguments)} exited {process.ExitCode}: {await stderr}");
        }

        return await stdout;
    }

    public static async Task<JsonElement> InspectAsync(string transportReference, bool raw = false)
    {
        var output = raw ? await RunAsync("inspect", "--raw", transportReference) : await RunAsync("inspect", transportReference);
        using var document = JsonDocument.Parse(output);
        return document.RootElement.Clone();
    }

    private static string? Find()
    {
        foreach (var directory in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin").Split(':'))
        {
            var candidate = Path.Combine(directory, "skopeo");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}
