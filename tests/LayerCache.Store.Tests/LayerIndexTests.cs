using System.Text;
using LayerCache.Oci;

namespace LayerCache.Store.Tests;

/// <summary>DiffId → stored layer: found whatever the compression, counted only while present, each blob asked of the store once.</summary>
public sealed class LayerIndexTests
{
    private static readonly DiffId Diff = DiffId.FromDigest(Digest.Compute(Encoding.UTF8.GetBytes("tar")));
    private static readonly Descriptor Gzip = new() { MediaType = MediaType.OciLayerGzip, Digest = Digest.Compute(Encoding.UTF8.GetBytes("gz")), Size = 7 };

    [Fact]
    public async Task A_present_blob_is_asked_of_the_store_once_and_an_absent_one_every_time()
    {
        var blobs = new CountingStatter();
        var index = new LayerIndex(blobs, BlobPolicy.Registry);
        index.Add(new LayerRecord(Diff, Gzip));

        // Absent: not found, and asked again next time (it may be written meanwhile).
        Assert.Null(await index.FindAsync(Diff, CancellationToken.None));
        Assert.Null(await index.FindAsync(Diff, CancellationToken.None));
        Assert.Equal(2, blobs.Asked);

        blobs.Present[Gzip.Digest] = Gzip.Size;
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(Gzip, (await index.FindAsync(Diff, CancellationToken.None))!.Stored);
        }

        Assert.Equal(3, blobs.Asked);
    }

    [Fact]
    public async Task A_blob_of_another_size_than_recorded_does_not_count()
    {
        var blobs = new CountingStatter();
        blobs.Present[Gzip.Digest] = Gzip.Size + 1;
        var index = new LayerIndex(blobs, BlobPolicy.Registry);
        index.Add(new LayerRecord(Diff, Gzip));
        Assert.Null(await index.FindAsync(Diff, CancellationToken.None));
    }

    [Fact]
    public async Task An_uncompressed_store_finds_a_layer_by_its_DiffId_whoever_wrote_it()
    {
        var blobs = new CountingStatter();
        blobs.Present[Diff.Digest] = 3072;
        var found = await new LayerIndex(blobs, BlobPolicy.Directory).FindAsync(Diff, CancellationToken.None);
        Assert.Equal((MediaType.OciLayer, Diff.Digest, 3072L), (found!.Stored.MediaType, found.Stored.Digest, found.Stored.Size));
        Assert.Null(await new LayerIndex(blobs, BlobPolicy.Registry).FindAsync(Diff, CancellationToken.None));
    }

    private sealed class CountingStatter : IBlobStatter
    {
        public Dictionary<Digest, long> Present { get; } = [];

        public int Asked { get; private set; }

        public Task<BlobInfo?> StatAsync(Digest digest, CancellationToken cancellationToken)
        {
            Asked++;
            return Task.FromResult(Present.TryGetValue(digest, out var size) ? new BlobInfo(digest, size) : (BlobInfo?)null);
        }
    }
}
