using LayerCache.Core.Scopes;
using LayerCache.Core.Workflows;
using LayerCache.Docker;
using LayerCache.Oci;
using LayerCache.Store;

namespace LayerCache.Core.Tests;

/// <summary>The decisions inside save and restore that used to be covered only by root + dockerd end-to-end tests.</summary>
public sealed class SaveRestoreDecisionTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);
    private static readonly CacheScope Main = CacheScope.Parse("acme/shop/main");
    private static readonly Digest Key = Digest.Compute("key"u8);
    private static readonly StageImage Stage = new() { Name = "app", ManifestDigest = Digest.Compute("manifest"u8) };

    private static CacheEntry Stored(DateTimeOffset created, ImageIdentity? image = null, Digest? key = null, string id = "e1") => new()
    {
        Scope = Main,
        Image = image ?? ImageIdentity.Default,
        Created = created,
        Key = key ?? Key,
        Stages = [Stage],
        Id = Digest.Compute(System.Text.Encoding.UTF8.GetBytes(id)),
    };

    private static ScopePlan PullRequestPlan(string? scope) => ScopeResolver.Resolve(
        scope,
        [],
        new CiContext(CiProvider.GitHubActions, "acme/shop", "feature/x", "main", IsPullRequest: true, TargetBranch: "main"),
        null,
        null,
        null);

    [Fact]
    public void Save_refuses_a_pull_request_that_names_the_default_branch_scope()
    {
        var refusal = SaveStep.Refusal(PullRequestPlan("acme/shop/main"), engineAvailable: true);

        Assert.Equal("this is a pull request build: scope acme/shop/main is the default branch's scope; it may read it but not write it", refusal);
    }

    [Fact]
    public void Save_lets_a_pull_request_write_its_own_scope_and_names_an_unreachable_engine()
    {
        Assert.Null(SaveStep.Refusal(PullRequestPlan(null), engineAvailable: true));
        Assert.Equal("the docker engine is unreachable", SaveStep.Refusal(PullRequestPlan(null), engineAvailable: false));
    }

    [Fact]
    public void An_identical_newest_entry_of_the_same_image_is_reused_instead_of_writing_another()
    {
        var newest = Stored(Now.AddHours(-1));

        Assert.Same(newest, SaveStep.Unchanged([Stored(Now.AddHours(-2), id: "old"), newest], Main, ImageIdentity.Default, Key, [Stage], Now, null));
    }

    [Fact]
    public void Another_image_key_or_stage_set_means_a_new_entry()
    {
        var worker = new ImageIdentity("Dockerfile.worker", null, null);
        var other = Stage with { ManifestDigest = Digest.Compute("other"u8) };

        Assert.Null(SaveStep.Unchanged([Stored(Now, worker)], Main, ImageIdentity.Default, Key, [Stage], Now, null));
        Assert.Null(SaveStep.Unchanged([Stored(Now, key: Digest.Compute("k2"u8))], Main, ImageIdentity.Default, Key, [Stage], Now, null));
        Assert.Null(SaveStep.Unchanged([Stored(Now)], Main, ImageIdentity.Default, Key, [other], Now, null));
        Assert.Null(SaveStep.Unchanged([Stored(Now) with { Scope = CacheScope.Parse("acme/shop/dev") }], Main, ImageIdentity.Default, Key, [Stage], Now, null));
    }

    [Fact]
    public void The_same_images_built_from_other_inputs_are_a_new_entry_recording_them()
    {
        // A file no step reads changed: the stage images are the same, but without a new entry every
        // later run with these inputs would miss the shortcut.
        var inputs = Digest.Compute("inputs"u8);
        var stored = Stored(Now.AddHours(-1)) with { InputsDigest = Digest.Compute("older inputs"u8), InputsTarget = Stage.Name };

        Assert.Null(SaveStep.Unchanged([stored], Main, ImageIdentity.Default, Key, [Stage], Now, null, inputs));
        var twin = stored with { InputsDigest = inputs };
        Assert.Same(twin, SaveStep.Unchanged([twin], Main, ImageIdentity.Default, Key, [Stage], Now, null, inputs));
        Assert.Same(stored, SaveStep.Unchanged([stored], Main, ImageIdentity.Default, Key, [Stage], Now, null, null));
    }

    [Fact]
    public void A_future_dated_twin_does_not_stop_a_save()
    {
        var liar = Stored(new DateTimeOffset(9999, 12, 31, 0, 0, 0, TimeSpan.Zero), id: "liar");

        Assert.Null(SaveStep.Unchanged([liar], Main, ImageIdentity.Default, Key, [Stage], Now, null));
        var real = Stored(Now.AddHours(-1));
        Assert.Same(real, SaveStep.Unchanged([real, liar], Main, ImageIdentity.Default, Key, [Stage], Now, null));
    }

    [Fact]
    public void With_a_signing_key_only_a_signed_twin_counts_as_unchanged()
    {
        var signer = EntrySigner.FromSecret("secret");
        var unsigned = Stored(Now.AddHours(-1));
        var signed = unsigned with { Signature = signer.Sign(unsigned) };

        Assert.Null(SaveStep.Unchanged([unsigned], Main, ImageIdentity.Default, Key, [Stage], Now, signer));
        Assert.Same(signed, SaveStep.Unchanged([signed], Main, ImageIdentity.Default, Key, [Stage], Now, signer));
    }

    [Fact]
    public void Quarantine_deletes_only_a_blob_proven_corrupt_however_deep_the_cause()
    {
        var expected = Digest.Compute("expected"u8);
        var mismatch = new DigestMismatchException(expected, Digest.Compute("actual"u8));
        var wrapped = new InvalidOperationException("load failed", new IOException("stream", mismatch));

        Assert.Equal(expected, RestoreStep.QuarantineTarget(wrapped));
        Assert.True(RestoreStep.IsDamagedContent(wrapped));
    }

    [Fact]
    public void Quarantine_deletes_nothing_for_missing_or_unparsable_content_or_engine_errors()
    {
        var missing = new BlobNotFoundException(Digest.Compute("gone"u8), "/store/blobs/sha256/x");
        var unparsable = new StoreCorruptException("/store/index.json", "bad json", null);
        var engine = new DockerEngineException("engine said no");

        Assert.Null(RestoreStep.QuarantineTarget(missing));
        Assert.Null(RestoreStep.QuarantineTarget(unparsable));
        Assert.Null(RestoreStep.QuarantineTarget(engine));
        Assert.True(RestoreStep.IsDamagedContent(missing));
        Assert.True(RestoreStep.IsDamagedContent(unparsable));
        Assert.False(RestoreStep.IsDamagedContent(engine));
    }

    private static readonly Digest LayerA = Digest.Compute("a"u8);
    private static readonly Digest LayerB = Digest.Compute("b"u8);

    private static ImageConfig Config(IReadOnlyList<Digest> layers, string? user = null, IReadOnlyList<string>? env = null) => new()
    {
        Os = "linux",
        Architecture = "amd64",
        RootFs = new RootFs { DiffIds = [.. layers.Select(DiffId.FromDigest)] },
        Config = new ContainerConfig { Env = env ?? ["PATH=/bin"], Cmd = ["run"], User = user },
        History = [new HistoryEntry { CreatedBy = "COPY a" }, new HistoryEntry { CreatedBy = "RUN b" }],
    };

    private static DockerImage Engine(IReadOnlyList<Digest> layers, IReadOnlyList<string>? env = null) => new()
    {
        Id = Digest.Compute("image"u8),
        Layers = layers,
        Env = env ?? ["PATH=/bin"],
        Cmd = ["run"],
    };

    [Fact]
    public void A_stored_stage_is_reused_only_with_the_same_layers_runtime_config_and_history()
    {
        Assert.True(StageImageExporter.SameContent(Config([LayerA, LayerB]), Engine([LayerA, LayerB])));
        Assert.True(StageImageExporter.SameHistory(Config([LayerA, LayerB]), ["COPY a", "RUN b"]));

        Assert.False(StageImageExporter.SameContent(Config([LayerB, LayerA]), Engine([LayerA, LayerB])));
        Assert.False(StageImageExporter.SameContent(Config([LayerA]), Engine([LayerA, LayerB])));
        Assert.False(StageImageExporter.SameContent(Config([LayerA, LayerB], env: ["PATH=/usr/bin"]), Engine([LayerA, LayerB])));
        Assert.False(StageImageExporter.SameHistory(Config([LayerA, LayerB]), ["COPY a", "RUN c"]));
    }
}
