using System.Globalization;
using LayerCache.Core.Keys;
using LayerCache.Core.Planning;
using LayerCache.Core.Scopes;
using LayerCache.Docker;
using LayerCache.Oci;
using LayerCache.Store;

namespace LayerCache.Core.Workflows;

/// <summary>
/// What every workflow needs first: the planned Dockerfile, the scopes, the base images as the
/// engine has them and the cache key. Cache problems become warnings here (fail open) unless
/// <see cref="CacheOptions.Strict"/>; bad input throws.
/// </summary>
internal sealed class CacheRun
{
    private readonly List<string> _warnings = [];

    private CacheRun(CacheOptions options, IDockerEngine engine, Action<string> log, TimeProvider clock)
    {
        Options = options;
        Engine = engine;
        Log = log;
        Clock = clock;
    }

    public CacheOptions Options { get; }

    public IDockerEngine Engine { get; }

    public Action<string> Log { get; }

    public TimeProvider Clock { get; }

    public PlannedDockerfile Dockerfile { get; private set; } = null!;

    public ScopePlan Scopes { get; private set; } = null!;

    /// <summary>External image reference → image id in the engine (null: not there and not pullable).</summary>
    public IReadOnlyDictionary<string, Digest?> BaseImages { get; private set; } = new Dictionary<string, Digest?>();

    public CacheKeyInputs KeyInputs { get; private set; } = null!;

    public Digest Key { get; private set; }

    /// <summary>False when the engine could not be reached: nothing to restore into or save from.</summary>
    public bool EngineAvailable { get; private set; }

    public IReadOnlyList<string> Warnings => _warnings;

    /// <summary>Plans, resolves scopes and base images, and computes the key.</summary>
    public static async Task<CacheRun> PrepareAsync(CacheOptions options, IDockerEngine engine, string builder, Action<string> log, TimeProvider clock, CancellationToken cancellationToken)
    {
        var run = new CacheRun(options, engine, log, clock);
        run.Dockerfile = await DockerfilePlanner.PlanAsync(options.Dockerfile, options.Target, options.BuildArgs, cancellationToken);
        run.Scopes = await ResolveScopesAsync(options, cancellationToken);

        // Every input the user named is checked before the engine is asked anything, so that a typo
        // is one error line, not an engine warning followed by the error.
        var keyFiles = await HashKeyFilesAsync(options.KeyFiles, cancellationToken);
        run.EngineAvailable = await run.PingAsync(cancellationToken);
        run.BaseImages = await run.ResolveBaseImagesAsync(cancellationToken);
        run.KeyInputs = new CacheKeyInputs(
            run.Dockerfile.Digest,
            run.Dockerfile.Plan.Target.DisplayName,
            builder,
            options.BuildArgs.ToDictionary(p => p.Key, p => CacheKey.HashValue(p.Value), StringComparer.Ordinal),
            keyFiles,
            run.BaseImages,
            options.Platform);
        run.Key = CacheKey.Compute(run.KeyInputs);
        return run;
    }

    /// <summary>Records a cache problem: a warning (and a cold build), or fatal under --strict.</summary>
    public void Warn(string message, Exception? cause = null)
    {
        if (Options.Strict)
        {
            throw new CacheFailureException(message, cause);
        }

        _warnings.Add(message);
        Log($"warning: {message}");
    }

    /// <summary>Opens the store, or warns and returns null (fail open).</summary>
    public async Task<ICacheStore?> OpenStoreAsync(bool create, CancellationToken cancellationToken)
    {
        var directory = Options.Store.Directory;
        if (!create && !Directory.Exists(directory))
        {
            return null;
        }

        try
        {
            // A writer heals: a damaged store is rebuilt and orphans of failed saves collected.
            var store = await FileSystemCacheStore.OpenAsync(directory, new FileSystemCacheStoreOptions { Heal = create }, cancellationToken);
            if (store.RebuiltBecause is { } damage)
            {
                Warn($"cache store {Options.Store} was unusable and has been rebuilt empty: {damage}");
            }

            return store;
        }
        catch (Exception e) when (e is StoreException or IOException or UnauthorizedAccessException or OciFormatException or OutOfMemoryException)
        {
            Warn($"cache store {Options.Store} is unusable: {OneLine(e)}", e);
            return null;
        }
    }

    /// <summary>The engine tag a stage image gets: <c>localhost/layercache/SCOPE:STAGE</c>.</summary>
    /// <remarks>
    /// <c>localhost/</c> makes sure no builder ever tries to fetch these names from Docker Hub: if one
    /// is missing, resolving it fails at once on the local machine.
    /// </remarks>
    public string StageTag(string stage) => $"localhost/layercache/{Scopes.Write.Value}:{stage}";

    public static string OneLine(Exception e) => e.Message.ReplaceLineEndings(" ");

    private async Task<bool> PingAsync(CancellationToken cancellationToken)
    {
        try
        {
            await Engine.PingAsync(cancellationToken);
            return true;
        }
        catch (DockerEngineException e)
        {
            Warn($"the docker engine is not usable: {OneLine(e)}", e);
            return false;
        }
        catch (DockerEngineUnavailableException e)
        {
            Warn($"the docker engine is unreachable: {OneLine(e)}", e);
            return false;
        }
    }

    private async Task<IReadOnlyDictionary<string, Digest?>> ResolveBaseImagesAsync(CancellationToken cancellationToken)
    {
        var result = new Dictionary<string, Digest?>(StringComparer.Ordinal);
        foreach (var image in Dockerfile.Plan.ExternalImages)
        {
            result[image] = EngineAvailable ? await ResolveBaseImageAsync(image, cancellationToken) : null;
        }

        return result;
    }

    private async Task<Digest?> ResolveBaseImageAsync(string image, CancellationToken cancellationToken)
    {
        try
        {
            if (await Engine.InspectImageAsync(image, cancellationToken) is { } local)
            {
                return local.Id;
            }

            // The build would pull it anyway; pulling first lets the key and the restore see the
            // base image the build will use (a new upstream base busts the cache honestly).
            Log($"pulling base image {image}");
            await Engine.PullImageAsync(image, null, null, cancellationToken);
            return (await Engine.InspectImageAsync(image, cancellationToken))?.Id;
        }
        catch (DockerEngineException e)
        {
            Log($"base image {image} is not available: {OneLine(e)}");
            return null;
        }
    }

    private static async Task<ScopePlan> ResolveScopesAsync(CacheOptions options, CancellationToken cancellationToken)
    {
        var context = CiContext.Detect(options.Environment);
        string? gitProject = null, gitBranch = null, gitDefault = null;
        if (context.Project is null || (context.Branch is null && options.Scope is null) || context.DefaultBranch is null)
        {
            // Three independent git questions, asked at once: each is a process start.
            var dir = options.Context;
            var project = GitRepositoryInfo.GetProjectAsync(dir, cancellationToken);
            var branch = GitRepositoryInfo.GetBranchAsync(dir, cancellationToken);
            var defaultBranch = GitRepositoryInfo.GetDefaultBranchAsync(dir, cancellationToken);
            await Task.WhenAll(project, branch, defaultBranch);
            (gitProject, gitBranch, gitDefault) = (await project, await branch, await defaultBranch);
        }

        try
        {
            return ScopeResolver.Resolve(options.Scope, options.FallbackScopes, context, gitProject, gitBranch, gitDefault);
        }
        catch (FormatException e)
        {
            throw new InvalidInputException(e.Message, e);
        }
    }

    private static async Task<IReadOnlyDictionary<string, Digest>> HashKeyFilesAsync(IReadOnlyList<string> files, CancellationToken cancellationToken)
    {
        var result = new Dictionary<string, Digest>(StringComparer.Ordinal);
        foreach (var file in files)
        {
            try
            {
                await using var stream = Inputs.InputFile.OpenRegular(file, "key file");
                result[file] = await Digest.ComputeAsync(stream, cancellationToken);
            }
            catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException)
            {
                throw new InvalidInputException(string.Create(CultureInfo.InvariantCulture, $"--key-file {file}: {e.Message}"), e);
            }
        }

        return result;
    }
}
