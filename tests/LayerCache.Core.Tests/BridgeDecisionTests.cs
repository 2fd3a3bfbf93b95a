using LayerCache.Core.Workflows;
using LayerCache.Oci;
using LayerCache.Store;

namespace LayerCache.Core.Tests;

/// <summary>The bridge's two choices: pull or load (restore), push or export (save, per stage).</summary>
public sealed class BridgeDecisionTests
{
    private const long MB = 1024 * 1024;

    [Theory]
    [InlineData(400 * MB, 16 * 1024, true)]        // a source change on a big dependency stage: the push sends 16 KB
    [InlineData(400 * MB, 200 * MB, false)]        // a dependency change: gzip in the engine is slower than an export
    [InlineData(2 * MB, 16 * 1024, true)]          // a small image: both are fixed costs, and the push moves fewer bytes
    [InlineData(2 * MB, 2 * MB, false)]            // a small image the engine knows nothing of
    [InlineData(100 * MB, 100 * MB, false)]        // nothing known to the engine: everything would be compressed and sent
    public void The_save_pushes_only_where_it_moves_less_than_an_export(long imageBytes, long pushBytes, bool push) =>
        Assert.Equal(push, StagePusher.PushIsFaster(imageBytes, pushBytes));

    [Fact]
    public void A_fresh_engine_pulls_plain_tar_layers()
    {
        var (plan, _) = Plan(("a", 100 * MB, MediaType.OciLayer, true), ("b", 5 * MB, MediaType.OciLayer, true));
        Assert.Null(StagePuller.WhyNot([plan], []));
    }

    [Fact]
    public void A_compressed_layer_is_loaded_because_the_engine_would_inflate_it_unbounded()
    {
        var (plan, _) = Plan(("a", 100 * MB, MediaType.OciLayer, true), ("b", 5 * MB, MediaType.OciLayerGzip, false));
        Assert.Contains("compressed", StagePuller.WhyNot([plan], []), StringComparison.Ordinal);
    }

    [Fact]
    public void A_bridge_that_inflates_pulls_gzip_layers_whose_tar_size_the_entry_records()
    {
        var (plan, _) = Plan(("a", 100 * MB, MediaType.OciLayer, true), ("b", 5 * MB, MediaType.OciLayerGzip, false));
        Assert.Contains("no recorded tar size", StagePuller.WhyNot([plan], [], inflates: true), StringComparison.Ordinal);

        var gzip = plan.Manifest.Layers[1];
        var recorded = new LayerRecord(plan.Config.DiffIds[1], gzip with { Annotations = new Dictionary<string, string> { [StoreAnnotations.LayerTarSize] = (20 * MB).ToString(System.Globalization.CultureInfo.InvariantCulture) } });
        var sized = plan with { Stage = plan.Stage with { Layers = [recorded] } };
        Assert.Null(StagePuller.WhyNot([sized], [], inflates: true));

        // What the engine receives is the tar: the inflated size counts.
        Assert.Equal(120 * MB, StagePuller.ToMove([sized], [], inflates: true).Bytes);
        Assert.Equal(105 * MB, StagePuller.ToMove([sized], []).Bytes);
    }

    [Fact]
    public void A_layer_named_by_another_digest_than_its_DiffId_is_loaded()
    {
        var (plan, _) = Plan(("a", 10 * MB, MediaType.OciLayer, false));
        Assert.NotNull(StagePuller.WhyNot([plan], []));
    }

    [Fact]
    public void Layers_the_engine_has_are_tolerated_up_to_the_allowance_or_a_tenth()
    {
        // The engine has the first (base) layer: a pull may fetch it again, a load skips it.
        var (small, smallChains) = Plan(("base", 20 * MB, MediaType.OciLayer, true), ("deps", 400 * MB, MediaType.OciLayer, true));
        Assert.Null(StagePuller.WhyNot([small], [smallChains[0]]));
        var (big, bigChains) = Plan(("base", 300 * MB, MediaType.OciLayer, true), ("deps", 400 * MB, MediaType.OciLayer, true));
        Assert.Contains("fetch again", StagePuller.WhyNot([big], [bigChains[0]]), StringComparison.Ordinal);
        var (mostly, mostlyChains) = Plan(("base", 40 * MB, MediaType.OciLayer, true), ("deps", 800 * MB, MediaType.OciLayer, true));
        Assert.Null(StagePuller.WhyNot([mostly], [mostlyChains[0]]));
    }

    private static (StagePuller.Plan Plan, IReadOnlyList<Digest> ChainIds) Plan(params (string Name, long Size, string MediaType, bool DigestIsDiffId)[] layers)
    {
        var diffIds = layers.Select(l => DiffId.FromDigest(Digest.Compute(System.Text.Encoding.UTF8.GetBytes("tar " + l.Name)))).ToList();
        var descriptors = layers.Select((l, i) => new Descriptor
        {
            MediaType = l.MediaType,
            Digest = l.DigestIsDiffId ? diffIds[i].Digest : Digest.Compute(System.Text.Encoding.UTF8.GetBytes("gz " + l.Name)),
            Size = l.Size,
        }).ToList();
        var config = new ImageConfig { RootFs = new RootFs { DiffIds = diffIds } };
        var manifest = new ImageManifest { Config = new Descriptor { MediaType = MediaType.OciImageConfig, Digest = Digest.Compute([1]), Size = 1 }, Layers = descriptors };
        var stage = new StageImage { Name = "deps", ManifestDigest = Digest.Compute([2]) };
        var descriptor = new Descriptor { MediaType = MediaType.OciImageManifest, Digest = stage.ManifestDigest, Size = 1 };
        return (new StagePuller.Plan(stage, config, manifest, "localhost/layercache/x:deps", descriptor), [.. ChainId.ComputeAll(diffIds).Select(c => c.Digest)]);
    }
}
