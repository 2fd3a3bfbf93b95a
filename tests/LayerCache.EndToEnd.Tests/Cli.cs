using System.Diagnostics;
using LayerCache.Cli;
using LayerCache.Testing;

namespace LayerCache.EndToEnd.Tests;

/// <summary>
/// Runs <c>layercache</c> in-process (<see cref="CliApp.RunAsync(string[], TextWriter, TextWriter, Func{string, string?}, CancellationToken)"/>
/// with an environment of the test's own, so nothing of the test host's environment leaks in) or as a
/// child process (<c>dotnet layercache.dll</c>) for tests that kill it or run several at once.
/// </summary>
internal static class Cli
{
    /// <summary>The docker CLI with the classic builder and BuildKit (not /usr/local/bin/docker).</summary>
    public const string DockerCli = Prerequisites.DockerCli;

    public static async Task<CliRun> RunAsync(IReadOnlyList<string> args, IReadOnlyDictionary<string, string?> environment, CancellationToken cancellationToken)
    {
        await using var stdout = new StringWriter();
        await using var stderr = new StringWriter();
        var code = await CliApp.RunAsync([.. args], stdout, stderr, name => environment.GetValueOrDefault(name), cancellationToken);
        return new CliRun(args, code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>Starts <c>dotnet layercache.dll ARGS</c> with exactly these environment changes on top of the test's.</summary>
    public static Process Start(IReadOnlyList<string> args, IReadOnlyDictionary<string, string?> environment, string? workingDirectory = null)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory ?? string.Empty,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Repository.CliAssembly);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var name in ChildEnvironmentToClear)
        {
            info.Environment.Remove(name);
        }

        foreach (var (name, value) in environment)
        {
            if (value is null)
            {
                info.Environment.Remove(name);
            }
            else
            {
                info.Environment[name] = value;
            }
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start dotnet " + Repository.CliAssembly);
        process.StandardInput.Close();
        return process;
    }

    /// <summary>Runs the CLI as a child process to completion.</summary>
    public static async Task<CliRun> RunChildAsync(IReadOnlyList<string> args, IReadOnlyDictionary<string, string?> environment, CancellationToken cancellationToken, string? workingDirectory = null)
    {
        using var process = Start(args, environment, workingDirectory);
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        try
        {
            await process.WaitForExitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return new CliRun(args, process.ExitCode, await stdout, await stderr);
    }

    /// <summary>CI variables of the machine running the tests must not decide a child's scope.</summary>
    private static readonly string[] ChildEnvironmentToClear =
    [
        "GITHUB_ACTIONS", "GITHUB_HEAD_REF", "GITHUB_REF_NAME", "GITHUB_REPOSITORY", "GITHUB_STEP_SUMMARY",
        "CIRCLECI", "GITLAB_CI", "BUILDKITE", "TF_BUILD", "JENKINS_URL", "BRANCH_NAME", "bamboo_planKey",
        "bamboo_planRepository_branchName", "DOCKER_CONTEXT", "DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH", "LAYERCACHE_DEBUG",
    ];
}
