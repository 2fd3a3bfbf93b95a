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

    /// <summary>Creates a runner for a docker CLI binary and builder.</summary>
    /// <param name="docker">The docker CLI (a path, or a name looked up on PATH).</param>
    /// <param name="dockerHost">DOCKER_HOST for the CLI, or null to inherit the environment's.</param>
    /// <param name="builder">The builder to ask for (DOCKER_BUILDKIT=0 or 1).</param>
    /// <param name="isBuildx">
    /// True when <c>docker build</c> is buildx (docker CLI 23 and later): then <c>--load</c> is added,
    /// because a buildx builder other than the engine's own keeps results to itself, and layercache
    /// needs every stage image in the engine to save it.
    /// </param>
    public DockerCliBuilder(string docker, string? dockerHost, BuilderKind builder, bool isBuildx = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(docker);
        _docker = docker;
        _dockerHost = dockerHost;
        Builder = builder;
        IsBuildx = isBuildx && builder == BuilderKind.BuildKit;
    }

    /// <summary>True when builds go through buildx and get <c>--load</c>.</summary>
    public bool IsBuildx { get; }

    /// <summary>The builder this runner asks for.</summary>
    public BuilderKind Builder { get; }

    /// <summary>
    /// Picks the builder as the docker CLI would: <c>DOCKER_BUILDKIT=0|1</c> when set, else BuildKit
    /// for clients from 23.0 on (where <c>docker build</c> is buildx) and the classic builder before.
    /// </summary>
    public static async Task<BuilderKind> DetectBuilderAsync(string docker, string? dockerBuildKit, CancellationToken cancellationToken)
    {
        switch (dockerBuildKit?.Trim().ToLowerInvariant())
        {
            case "0" or "false":
                return BuilderKind.Classic;
            case "1" or "true":
                return BuilderKind.BuildKit;
        }

        var version = await TryGetClientVersionAsync(docker, cancellationToken);
        return version is not null && version.Major >= 23 ? BuilderKind.BuildKit : BuilderKind.Classic;
    }

    /// <summary>The docker CLI's own version, or null when it cannot be run.</summary>
    public static async Task<Version?> TryGetClientVersionAsync(string docker, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(docker) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("version");
        start.ArgumentList.Add("--format");
        start.ArgumentList.Add("{{.Client.Version}}");
        try
        {
            using var process = Process.Start(start)!;
            var text = await process.StandardOutput.ReadToEndAsync(cancellationToken);
            await process.WaitForExitAsync(cancellationToken);
            var numeric = new string(text.Trim().TakeWhile(c => char.IsAsciiDigit(c) || c == '.').ToArray());
            return Version.TryParse(!numeric.Contains('.', StringComparison.Ordinal) ? numeric + ".0" : numeric, out var version) ? version : null;
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

        if (IsBuildx)
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

        start.Environment["DOCKER_BUILDKIT"] = Builder == BuilderKind.BuildKit ? "1" : "0";
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
