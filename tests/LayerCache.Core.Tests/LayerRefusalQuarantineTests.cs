using LayerCache.Core.Workflows;
using LayerCache.Oci;

namespace LayerCache.Core.Tests;

/// <summary>A layer the guard refused (it would inflate in the engine) takes the path of a digest mismatch.</summary>
public sealed class LayerRefusalQuarantineTests
{
    [Fact]
    public async Task A_refused_layer_is_damaged_content_and_its_blob_is_quarantined()
    {
        var gzipMagic = new byte[] { 0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, 0, 0 };
        var layer = Digest.Compute(gzipMagic);
        await using var guard = new LayerContentGuardStream(new MemoryStream(gzipMagic), layer, "blob " + layer);
        var refused = await Assert.ThrowsAsync<LayerContentRefusedException>(() => guard.CopyToAsync(Stream.Null, CancellationToken.None));

        // As the restore sees it: the loader's failure, wrapped.
        var wrapped = new InvalidOperationException("load failed", new IOException("upload", refused));
        Assert.True(RestoreStep.IsDamagedContent(wrapped));
        Assert.Equal(layer, RestoreStep.QuarantineTarget(wrapped));
    }
}
