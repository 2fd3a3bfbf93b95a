using LayerCache.Docker;
using LayerCache.Testing;

namespace LayerCache.EndToEnd.Tests;

/// <summary>
/// A fresh CI runner: a private dockerd with an empty data root and the pinned busybox base image,
/// holding one of the <see cref="EngineSlots"/> until disposed.
/// </summary>
internal sealed class Runner : IAsyncDisposable
{
    private readonly IDisposable _slot;

    private Runner(PrivateDockerd engine, IDisposable slot)
    {
        Engine = engine;
        _slot = slot;
        Client = new DockerEngineClient(DockerEndpoint.Parse(engine.Host));
    }

    public PrivateDockerd Engine { get; }

    /// <summary>An Engine API client of the test's own, for inspecting what layercache did.</summary>
    public DockerEngineClient Client { get; }

    public static async Task<Runner> StartAsync(CancellationToken cancellationToken)
    {
        var slot = await EngineSlots.AcquireAsync(cancellationToken);
        try
        {
            return new Runner(await PrivateDockerd.StartAsync(loadBaseImages: true, cancellationToken), slot);
        }
        catch
        {
            slot.Dispose();
            throw;
        }
    }

    /// <summary>A runner whose engine has a network namespace of its own (<see cref="PrivateDockerd.IsolatedNetwork"/>): its 127.0.0.1 is not ours.</summary>
    public static async Task<Runner> StartIsolatedAsync(CancellationToken cancellationToken)
    {
        var slot = await EngineSlots.AcquireAsync(cancellationToken);
        var engine = new PrivateDockerd { IsolatedNetwork = true };
        try
        {
            await engine.InitializeAsync().WaitAsync(cancellationToken);
            return new Runner(engine, slot);
        }
        catch
        {
            await engine.DisposeAsync();
            slot.Dispose();
            throw;
        }
    }

    /// <summary>The environment a CI job on this runner gives layercache: the engine, the builder, the docker CLI.</summary>
    public Dictionary<string, string?> Environment(Builder builder, IReadOnlyDictionary<string, string?>? extra = null)
    {
        var env = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["DOCKER_HOST"] = Engine.Host,
            ["DOCKER_BUILDKIT"] = builder == Builder.BuildKit ? "1" : "0",
            ["LAYERCACHE_DOCKER"] = Cli.DockerCli,
        };
        foreach (var (name, value) in extra ?? new Dictionary<string, string?>())
        {
            env[name] = value;
        }

        return env;
    }

    /// <summary>Runs <c>layercache</c> in-process against this runner's engine.</summary>
    public Task<CliRun> LayercacheAsync(Builder builder, IReadOnlyList<string> args, CancellationToken cancellationToken, IReadOnlyDictionary<string, string?>? extraEnvironment = null) =>
        Cli.RunAsync(args, Environment(builder, extraEnvironment), cancellationToken);

    /// <summary>Runs <c>/usr/bin/docker</c> against this runner's engine and fails on a non-zero exit.</summary>
    public async Task<ProcessResult> DockerAsync(Builder builder, IReadOnlyList<string> args, CancellationToken cancellationToken) =>
        (await Engine.RunDockerCliAsync(args, new Dictionary<string, string> { ["DOCKER_BUILDKIT"] = builder == Builder.BuildKit ? "1" : "0" }, cancellationToken)).EnsureSuccess();

    /// <summary>The tags of every image in the engine (repo:tag), for "nothing was loaded" checks.</summary>
    public async Task<IReadOnlyList<string>> ImageTagsAsync(CancellationToken cancellationToken)
    {
        var images = await Client.ListImagesAsync(new ImageListOptions { All = true }, cancellationToken);
        return [.. images.SelectMany(i => i.RepoTags.Count > 0 ? i.RepoTags : [i.Id.Value]).Order(StringComparer.Ordinal)];
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        try
        {
            await Engine.DisposeAsync();
        }
        finally
        {
            _slot.Dispose();
        }
    }
}
