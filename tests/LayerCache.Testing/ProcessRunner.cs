using System.Diagnostics;
using System.Text;

namespace LayerCache.Testing;

/// <summary>Runs a child process to completion, capturing its output line by line.</summary>
public static class ProcessRunner
{
    /// <summary>
    /// Runs <paramref name="fileName"/> with <paramref name="arguments"/> (no shell), with extra
    /// <paramref name="environment"/> variables (a null value removes the variable). Each output line is
    /// passed to <paramref name="onLine"/> as it arrives (stdout and stderr alike), so callers can
    /// timestamp it. Cancellation kills the whole process tree.
    /// </summary>
    public static async Task<ProcessResult> RunAsync(
        string fileName,
        IEnumerable<string> arguments,
        IReadOnlyDictionary<string, string?>? environment,
        Action<ProcessOutputLine>? onLine,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var args = arguments.ToList();
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        if (environment is not null)
        {
            foreach (var (key, value) in environment)
            {
                if (value is null)
                {
                    info.Environment.Remove(key);
                }
                else
                {
                    info.Environment[key] = value;
                }
            }
        }

        using var process = new Process { StartInfo = info };
        process.Start();
        process.StandardInput.Close();

        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        var gate = new object();
        var outTask = PumpAsync(process.StandardOutput, stdout, isError: false);
        var errTask = PumpAsync(process.StandardError, stderr, isError: true);

        try
        {
            await process.WaitForExitAsync(cancellationToken);
            await Task.WhenAll(outTask, errTask);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return new ProcessResult(fileName, args, process.ExitCode, stdout.ToString(), stderr.ToString());

        async Task PumpAsync(StreamReader reader, StringBuilder sink, bool isError)
        {
            while (await reader.ReadLineAsync(cancellationToken) is { } line)
            {
                // The callback and the builders are shared by both pumps; keep lines whole and ordered per stream.
                lock (gate)
                {
                    sink.Append(line).Append('\n');
                    onLine?.Invoke(new ProcessOutputLine(line, isError, DateTimeOffset.UtcNow));
                }
            }
        }
    }

    /// <summary>Runs a process and captures its output; see the full overload.</summary>
    public static Task<ProcessResult> RunAsync(string fileName, IEnumerable<string> arguments, CancellationToken cancellationToken) =>
        RunAsync(fileName, arguments, environment: null, onLine: null, cancellationToken);
}
