using System.Diagnostics;

namespace LayerCache.EndToEnd.Tests;

/// <summary>A child <c>layercache</c> run whose output lines carry the time since its start.</summary>
internal sealed record TimedChild(int ExitCode, TimeSpan Duration, IReadOnlyList<(TimeSpan At, string Line)> Lines)
{
    public static async Task<TimedChild> RunAsync(IReadOnlyList<string> args, IReadOnlyDictionary<string, string?> environment, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        using var process = Cli.Start(args, environment);
        var lines = new List<(TimeSpan, string)>();
        async Task PumpAsync(StreamReader reader)
        {
            while (await reader.ReadLineAsync(cancellationToken) is { } line)
            {
                lock (lines)
                {
                    lines.Add((clock.Elapsed, line));
                }
            }
        }

        var pumps = Task.WhenAll(PumpAsync(process.StandardOutput), PumpAsync(process.StandardError));
        await process.WaitForExitAsync(cancellationToken);
        var duration = clock.Elapsed;
        await pumps;
        return new TimedChild(process.ExitCode, duration, lines);
    }
}
