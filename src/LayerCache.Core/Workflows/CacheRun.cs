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
    private bool _storeUnusable;

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

    /// <summary>
    /// External image → its registry manifest digest as the engine knows it (<c>RepoDigests</c> for the
    /// reference's repository), null when unknown: the base image's second identity, recorded in entries
    /// so a store that resolves images through the registry API compares what it has.
    /// </summary>
    public IReadOnlyDictionary<string, Digest?> BaseImageManifests { get; private set; } = new Dictionary<string, Digest?>();

    /// <summary>External image reference → manifest digest from its registry, where it was asked (see <see cref="BaseImageResolution"/>).</summary>
    public IReadOnlyDictionary<string, Digest?> BaseManifests { get; private set; } = new Dictionary<string, Digest?>();

    public CacheKeyInputs KeyInputs { get; private set; } = null!;

    public Digest Key { get; private set; }

    /// <summary>False when the engine could not be reached: nothing to restore into or save from.</summary>
    public bool EngineAvailable { get; private set; }

    public IReadOnlyList<string> Warnings => _warnings;

    /// <summary>DiffIds of the layers the engine pulled through the bridge in this run (see <see cref="StagePuller"/>), which a save can push back by digest.</summary>
    public HashSet<Digest> BridgedLayers { get; } = [];

    /// <summary>Plans, resolves scopes and base images, and computes the key.</summary>
    public static async Task<CacheRun> PrepareAsync(CacheOptions options, IDockerEngine engine, string builder, Action<string> log, TimeProvider clock, CancellationToken cancellationToken)
    {
        var run = new CacheRun(options, engine, log, clock);
        run.Dockerfile = await DockerfilePlanner.PlanAsync(options.Dockerfile, options.Target, options.BuildArgs, cancellationToken);
        run.Scopes = await ResolveScopesAsync(options, cancellationToken);

        // Every input the user named is checked before the engine is asked anything, so that a typo
        // is one error line, not an engine warning followed by the error.
        var keyFiles = await HashKeyFilesAsync(options.KeyFiles, cancellationToken);
        var resolution = options.BaseImageResolution;
        run.EngineAvailable = resolution != BaseImageResolution.Registry && await run.PingAsync(cancellationToken);
        (run.BaseImages, run.BaseImageManifests) = await run.ResolveBaseImagesAsync(cancellationToken);
        IReadOnlyDictionary<string, Digest?>? manifests = null;
        if (resolution == BaseImageResolution.Registry || (resolution == BaseImageResolution.Auto && !run.EngineAvailable))
        {
            manifests = await new RegistryBaseImageResolver(options.Environment, options.Platform, m => run.Warn(m))
                .ResolveAsync(run.Dockerfile.Plan.ExternalImages, cancellationToken);
        }

        run.BaseManifests = manifests ?? new Dictionary<string, Digest?>();
        run.KeyInputs = new CacheKeyInputs(
            run.Dockerfile.Digest,
            run.Dockerfile.Plan.Target.DisplayName,
            builder,
            options.BuildArgs.ToDictionary(p => p.Key, p => CacheKey.HashValue(p.Value), StringComparer.Ordinal),
            keyFiles,
            run.BaseImages,
            options.Platform,
            manifests);
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

    /// <summary>
    /// Opens the store, or warns and returns null (fail open). A store that failed to open is not tried
    /// again in the same run: an unreachable or refusing registry would cost its retries, and repeat its
    /// warning, once per step.
    /// </summary>
    public async Task<ICacheStore?> OpenStoreAsync(bool create, CancellationToken cancellationToken)
    {
        if (_storeUnusable)
        {
            return null;
        }

        try
        {
            // A writer heals: a damaged store is rebuilt and orphans of failed saves collected.
            if (await CacheStoreFactory.OpenAsync(Options.Store, create, Options.Environment, cancellationToken) is not { } opened)
            {
                return null;
            }

            if (opened.RebuiltBecause is { } damage)
            {
                Warn($"cache store {Options.Store} was unusable and has been rebuilt empty: {damage}");
            }

            return opened.Store;
        }
        catch (Exception e) when (StoreErrors.IsStoreFailure(e))
        {
            _storeUnusable = true;
            var hint = Options.Store.Kind == StoreKind.Registry && StoreErrors.Classify(e) == StoreErrorKind.Denied
                ? " (credentials for a registry store: LAYERCACHE_TOKEN, or docker login HOST)"
                : string.Empty;
            Warn($"cache store {Options.Store} is unusable: {OneLine(e)}{hint}", e);
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

    private async Task<(IReadOnlyDictionary<string, Digest?> Ids, IReadOnlyDictionary<string, Digest?> Manifests)> ResolveBaseImagesAsync(CancellationToken cancellationToken)
    {
        var ids = new Dictionary<string, Digest?>(StringComparer.Ordinal);
        var manifests = new Dictionary<string, Digest?>(StringComparer.Ordinal);
        foreach (var image in Dockerfile.Plan.ExternalImages)
        {
            var local = EngineAvailable ? await ResolveBaseImageAsync(image, cancellationToken) : null;
            ids[image] = local?.Id;
            manifests[image] = local is null ? null : ManifestDigestOf(image, local.RepoDigests);
        }

        return (ids, manifests);
    }

    private async Task<DockerImage?> ResolveBaseImageAsync(string image, CancellationToken cancellationToken)
    {
        try
        {
            if (await Engine.InspectImageAsync(image, cancellationToken) is { } local)
            {
                return local;
            }

            // The build would pull it anyway; pulling first lets the key and the restore see the
            // base image the build will use (a new upstream base busts the cache honestly).
            Log($"pulling base image {image}");
            await Engine.PullImageAsync(image, null, null, cancellationToken);
            return await Engine.InspectImageAsync(image, cancellationToken);
        }
        catch (DockerEngineException e)
        {
            Log($"base image {image} is not available: {OneLine(e)}");
            return null;
        }
    }

    /// <summary>
    /// The digest the registry serves <paramref name="image"/>'s repository under, from the engine's
    /// <c>RepoDigests</c> (<c>NAME@DIGEST</c> per repository it was pulled from); null when the image was
    /// never pulled from that repository (built locally) or names a digest itself.
    /// </summary>
    internal static Digest? ManifestDigestOf(string image, IReadOnlyList<string> repoDigests)
    {
        if (!ImageReference.TryParse(image, out var wanted))
        {
            return null;
        }

        if (wanted.Digest is { } pinned)
        {
            return pinned;
        }

        foreach (var text in repoDigests)
        {
            if (ImageReference.TryParse(text, out var known) && known.Digest is { } digest && known.Name == wanted.Name)
            {
                return digest;
            }
        }

        return null;
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
