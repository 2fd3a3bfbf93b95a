using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;

namespace LayerCache.Docker.Build;

/// <summary>
/// Runs builds with the user's own docker CLI, so the builder, its configuration and credentials
/// are exactly the user's. layercache never replaces the builder: it adds tags, build args and
/// <c>--cache-from</c>, and reads the output to learn which steps were cached.
/// </summary>
public sealed class DockerCliBuilder
{
    private readonly string _docker;
    private readonly string? _dockerHost;
    private readonly string? _dockerBuildKit;

    /// <summary>Creates a runner for a docker CLI binary and the builder it will use.</summary>
    /// <param name="docker">The docker CLI (a path, or a name looked up on PATH).</param>
    /// <param name="dockerHost">DOCKER_HOST for the CLI, or null to inherit the environment's.</param>
    /// <param name="choice">
    /// The builder the CLI will pick (<see cref="ChooseAsync"/>). When it is buildx, <c>--load</c> is
    /// added, because a buildx builder other than the engine's own keeps results to itself, and
    /// layercache needs every stage image in the engine to save it.
    /// </param>
    /// <param name="dockerBuildKit">The user's DOCKER_BUILDKIT, passed on as it is (null: unset for the CLI too).</param>
    public DockerCliBuilder(string docker, string? dockerHost, BuilderChoice choice, string? dockerBuildKit)
    {
        ArgumentException.ThrowIfNullOrEmpty(docker);
        ArgumentNullException.ThrowIfNull(choice);
        _docker = docker;
        _dockerHost = dockerHost;
        _dockerBuildKit = string.IsNullOrEmpty(dockerBuildKit) ? null : dockerBuildKit;
        Choice = choice;
    }

    /// <summary>The builder the docker CLI will use, and why.</summary>
    public BuilderChoice Choice { get; }

    /// <summary>True when builds go through buildx and get <c>--load</c>.</summary>
    public bool IsBuildx => Choice.IsBuildx;

    /// <summary>The builder whose output the builds print.</summary>
    public BuilderKind Builder => Choice.Kind;

    /// <summary>
    /// Predicts the builder exactly as the docker CLI picks it (<see cref="BuilderChoice.Decide"/>): asks
    /// the CLI its version and, from 23 on, whether it finds its buildx plugin (<c>docker buildx
    /// version</c> runs the CLI's own plugin lookup: its plugin dirs, <c>DOCKER_CONFIG</c>, extra dirs).
    /// </summary>
    /// <param name="docker">The docker CLI.</param>
    /// <param name="environment">The user's environment (DOCKER_BUILDKIT, DOCKER_CONFIG).</param>
    /// <param name="ping">The engine's ping (its default builder), or null when unreachable.</param>
    /// <param name="cancellationToken">Cancels the probes.</param>
    public static async Task<BuilderChoice> ChooseAsync(string docker, Func<string, string?> environment, DockerPing? ping, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var dockerBuildKit = environment("DOCKER_BUILDKIT");

        // DOCKER_BUILDKIT=0 means the classic builder for every CLI version, so asking the CLI its
        // version would only cost a process start (~0.1 s of a cached run's fixed cost).
        if (dockerBuildKit is { Length: > 0 } && BuilderChoice.ParseGoBool(dockerBuildKit) is false)
        {
            return BuilderChoice.Decide(null, false, dockerBuildKit, ping?.BuilderVersion, ping?.OsType);
        }

        var client = await TryGetClientVersionAsync(docker, environment, cancellationToken);
        var hasBuildx = false;
        if (client is not null && client >= BuilderChoice.BuildxDefaultSince && BuilderChoice.ParseGoBool(dockerBuildKit ?? "1") is true)
        {
            var probe = await TryRunAsync(docker, ["buildx", "version"], environment, cancellationToken);
            hasBuildx = probe is { ExitCode: 0 };
        }

        return BuilderChoice.Decide(client, hasBuildx, dockerBuildKit, ping?.BuilderVersion, ping?.OsType);
    }

    /// <summary>The docker CLI's own version (<c>docker --version</c>, which needs no engine), or null when it cannot be run.</summary>
    public static async Task<Version?> TryGetClientVersionAsync(string docker, Func<string, string?> environment, CancellationToken cancellationToken)
    {
        var result = await TryRunAsync(docker, ["--version"], environment, cancellationToken);
        if (result is null)
        {
            return null;
        }

        // "Docker version 28.2.2, build e6534b4", "Docker version 20.10.24+dfsg1, build 297e128".
        var match = System.Text.RegularExpressions.Regex.Match(result.Value.Output, @"version (\d+)\.(\d+)(?:\.(\d+))?");
        return match.Success
            ? new Version(
                int.Parse(match.Groups[1].ValueSpan, CultureInfo.InvariantCulture),
                int.Parse(match.Groups[2].ValueSpan, CultureInfo.InvariantCulture),
                match.Groups[3].Success ? int.Parse(match.Groups[3].ValueSpan, CultureInfo.InvariantCulture) : 0)
            : null;
    }

    private static async Task<(int ExitCode, string Output)?> TryRunAsync(string docker, string[] args, Func<string, string?> environment, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(docker) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        if (environment("DOCKER_CONFIG") is { Length: > 0 } config)
        {
            start.Environment["DOCKER_CONFIG"] = config;
        }

        try
        {
            using var process = Process.Start(start)!;
            process.StandardInput.Close();
            var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
            await process.WaitForExitAsync(cancellationToken);
            return (process.ExitCode, await stdout + await stderr);
        }
        catch (Win32Exception)
        {
            return null;
        }
    }

    /// <summary>The command line this runner would use for <paramref name="request"/> (for logs and reports).</summary>
    public IReadOnlyList<string> Arguments(DockerBuildRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var args = new List<string> { "build" };
        if (Builder == BuilderKind.BuildKit)
        {
            // Plain progress is the only BuildKit output that says, per step, CACHED or DONE.
            args.Add("--progress=plain");
        }

        if (IsBuildx && request.LoadIntoEngine)
        {
            args.Add("--load");
        }

        if (request.Dockerfile is not null)
        {
            args.AddRange(["-f", request.Dockerfile]);
        }

        if (request.Target is not null)
        {
            args.AddRange(["--target", request.Target]);
        }

        foreach (var tag in request.Tags)
        {
            args.AddRange(["-t", tag]);
        }

        foreach (var (key, value) in request.BuildArgs)
        {
            args.AddRange(["--build-arg", $"{key}={value}"]);
        }

        foreach (var source in request.CacheFrom)
        {
            args.AddRange(["--cache-from", source]);
        }

        args.AddRange(request.ExtraArguments);
        args.Add(request.Context);
        return args;
    }

    /// <summary>The command line to print in logs and reports: <see cref="Arguments"/> with build-arg values redacted.</summary>
    public IReadOnlyList<string> DisplayArguments(DockerBuildRequest request) => DockerBuildFlags.Redact(Arguments(request));

    /// <summary>
    /// Runs the build, handing every output line (stdout and stderr, in arrival order) to
    /// <paramref name="onLine"/> as it arrives, and parses it into steps.
    /// </summary>
    /// <exception cref="DockerEngineUnavailableException">The docker CLI cannot be started.</exception>
    public async Task<DockerBuildRun> BuildAsync(DockerBuildRequest request, Action<string>? onLine, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(_docker)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var arg in Arguments(request))
        {
            start.ArgumentList.Add(arg);
        }

        // The user's DOCKER_BUILDKIT as it is: forcing one would make a buildx-less CLI 23+ fail a build
        // it would run (DOCKER_BUILDKIT=1), or silence its own choice.
        if (_dockerBuildKit is null)
        {
            start.Environment.Remove("DOCKER_BUILDKIT");
        }
        else
        {
            start.Environment["DOCKER_BUILDKIT"] = _dockerBuildKit;
        }
        if (_dockerHost is not null)
        {
            start.Environment["DOCKER_HOST"] = _dockerHost;
        }

        var parser = BuildOutputParser.Create(Builder);
        var gate = new object();
        void Receive(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (gate)
            {
                parser.ProcessLine(line, DateTimeOffset.UtcNow);
                onLine?.Invoke(line);
            }
        }

        var clock = Stopwatch.StartNew();
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new DockerEngineUnavailableException($"cannot start {_docker}");
        }
        catch (Win32Exception e)
        {
            throw new DockerEngineUnavailableException($"cannot run the docker CLI \"{_docker}\": {e.Message}", e);
        }

        using (process)
        {
            process.StandardInput.Close();
            var stdout = PumpAsync(process.StandardOutput, Receive, cancellationToken);
            var stderr = PumpAsync(process.StandardError, Receive, cancellationToken);
            try
            {
                await process.WaitForExitAsync(cancellationToken);
                await Task.WhenAll(stdout, stderr);
            }
            catch (OperationCanceledException)
            {
                // Leave no build running behind a cancelled layercache.
                process.Kill(entireProcessTree: true);
                throw;
            }

            clock.Stop();
            BuildOutput output;
            lock (gate)
            {
                output = parser.Complete(DateTimeOffset.UtcNow);
            }

            if (process.ExitCode != 0 && output.Error is null)
            {
                output = output with { Error = string.Create(CultureInfo.InvariantCulture, $"docker build exited with code {process.ExitCode}") };
            }

            return new DockerBuildRun(process.ExitCode, output, clock.Elapsed);
        }
    }

    private static async Task PumpAsync(StreamReader reader, Action<string?> receive, CancellationToken cancellationToken)
    {
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            receive(line);
        }
    }
}
