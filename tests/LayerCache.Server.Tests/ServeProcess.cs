using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using LayerCache.Testing;

namespace LayerCache.Server.Tests;

/// <summary><c>dotnet layercache.dll serve …</c> as a child process: started, its address read from its log line, stopped or killed.</summary>
public sealed partial class ServeProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stderr = new();
    private readonly TaskCompletionSource<Uri> _address = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ServeProcess(Process process)
    {
        _process = process;
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                _address.TrySetException(new InvalidOperationException("serve exited: " + Stderr));
                return;
            }

            lock (_stderr)
            {
                _stderr.AppendLine(e.Data);
            }

            if (ListeningPattern().Match(e.Data) is { Success: true } match)
            {
                _address.TrySetResult(new Uri(match.Groups[1].Value + "/"));
            }
        };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
    }

    public string Stderr
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    public int Pid => _process.Id;

    public static string CliAssembly => Path.Combine(AppContext.BaseDirectory, "layercache.dll");

    public static async Task<(ServeProcess Process, Uri Address)> StartAsync(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        info.ArgumentList.Add(CliAssembly);
        info.ArgumentList.Add("serve");
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        var serve = new ServeProcess(Process.Start(info)!);
        var address = await serve._address.Task.WaitAsync(TimeSpan.FromSeconds(60));
        return (serve, address);
    }

    /// <summary>SIGTERM, then the exit code.</summary>
    public async Task<int> TerminateAsync()
    {
        (await ProcessRunner.RunAsync("kill", ["-TERM", Pid.ToString(System.Globalization.CultureInfo.InvariantCulture)], CancellationToken.None)).EnsureSuccess();
        await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        return _process.ExitCode;
    }

    /// <summary>SIGKILL: no cleanup at all.</summary>
    public async Task KillAsync()
    {
        _process.Kill();
        await _process.WaitForExitAsync();
    }

    /// <summary>Runs another layercache command (verify, prune) to its end.</summary>
    public static Task<ProcessResult> RunCliAsync(params string[] args) =>
        ProcessRunner.RunAsync("dotnet", [CliAssembly, .. args], CancellationToken.None);

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    [GeneratedRegex("event=listening address=(\\S+)")]
    private static partial Regex ListeningPattern();
}
