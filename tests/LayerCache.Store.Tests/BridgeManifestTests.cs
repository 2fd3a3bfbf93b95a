using System.Globalization;
using System.Text;
using LayerCache.Oci;

namespace LayerCache.Store.Tests;

/// <summary>The manifests an inflating bridge gives the engine, and the layer records it serves them from.</summary>
public sealed class BridgeManifestTests
{
    private static readonly DiffId DiffA = DiffId.FromDigest(Digest.Compute(Encoding.UTF8.GetBytes("tar a")));
    private static readonly DiffId DiffB = DiffId.FromDigest(Digest.Compute(Encoding.UTF8.GetBytes("tar b")));
    private static readonly Descriptor GzipA = new() { MediaType = MediaType.OciLayerGzip, Digest = Digest.Compute(Encoding.UTF8.GetBytes("gz a")), Size = 100 };
    private static readonly Descriptor PlainB = new() { MediaType = MediaType.OciLayer, Digest = DiffB.Digest, Size = 3072 };

    [Fact]
    public void Each_layer_is_named_by_its_DiffId_as_a_plain_tar_of_its_recorded_size()
    {
        var manifest = Manifest(GzipA, PlainB);
        var layers = BridgeManifest.Layers(Stage(new LayerRecord(DiffA, WithTarSize(GzipA, 2048))), manifest, Config(DiffA, DiffB));
        var document = BridgeManifest.Inflated(manifest, layers, out var reason);
        Assert.Null(reason);
        var served = OciJson.DeserializeManifest(document!.Content.ToArray());
        Assert.Equal(manifest.Config.Digest, served.Config.Digest);
        Assert.Equal([(MediaType.OciLayer, DiffA.Digest, 2048L), (MediaType.OciLayer, DiffB.Digest, 3072L)], served.Layers.Select(l => (l.MediaType, l.Digest, l.Size)));
        Assert.Equal(Digest.Compute(document.Content.Span), document.Digest);
    }

    [Fact]
    public void A_record_counts_only_for_the_same_blob_size_and_DiffId()
    {
        var manifest = Manifest(GzipA);
        Assert.Null(BridgeManifest.Layers(Stage(new LayerRecord(DiffB, WithTarSize(GzipA, 2048))), manifest, Config(DiffA))[0].TarSize);
        Assert.Null(BridgeManifest.Layers(Stage(new LayerRecord(DiffA, WithTarSize(GzipA with { Size = 101 }, 2048))), manifest, Config(DiffA))[0].TarSize);
        Assert.Equal(2048, BridgeManifest.Layers(Stage(new LayerRecord(DiffA, WithTarSize(GzipA, 2048))), manifest, Config(DiffA))[0].TarSize);
    }

    [Fact]
    public void A_config_naming_another_number_of_layers_is_refused() =>
        Assert.Throws<InvalidDataException>(() => BridgeManifest.Layers(Stage(), Manifest(GzipA, PlainB), Config(DiffA)));

    [Fact]
    public void Layers_that_cannot_be_served_as_plain_tars_say_why()
    {
        // An older entry records no tar size; zstd is not inflated here; a plain tar must be named by its DiffId.
        var noSize = Manifest(GzipA);
        Assert.Null(BridgeManifest.Inflated(noSize, BridgeManifest.Layers(Stage(), noSize, Config(DiffA)), out var reason));
        Assert.Contains("no recorded tar size", reason, StringComparison.Ordinal);

        var zstd = Manifest(GzipA with { MediaType = MediaType.OciLayerZstd });
        Assert.Null(BridgeManifest.Inflated(zstd, [new LayerRecord(DiffA, WithTarSize(GzipA with { MediaType = MediaType.OciLayerZstd }, 2048))], out reason));
        Assert.Contains(MediaType.OciLayerZstd, reason, StringComparison.Ordinal);

        var misnamed = Manifest(PlainB);
        Assert.Null(BridgeManifest.Inflated(misnamed, [new LayerRecord(DiffA, PlainB)], out reason));
        Assert.Contains("not named by its DiffId", reason, StringComparison.Ordinal);
    }

    private static Descriptor WithTarSize(Descriptor stored, long size) =>
        stored with { Annotations = new Dictionary<string, string> { [StoreAnnotations.LayerTarSize] = size.ToString(CultureInfo.InvariantCulture) } };

    private static StageImage Stage(params LayerRecord[] layers) => new() { Name = "deps", ManifestDigest = Digest.Compute([2]), Layers = layers };

    private static ImageManifest Manifest(params Descriptor[] layers) => new()
    {
        MediaType = MediaType.OciImageManifest,
        Config = new Descriptor { MediaType = MediaType.OciImageConfig, Digest = Digest.Compute([1]), Size = 1 },
        Layers = layers,
    };

    private static ImageConfig Config(params DiffId[] diffIds) => new() { RootFs = new RootFs { DiffIds = diffIds } };
}
