using LayerCache.Oci;

namespace LayerCache.Oci.Tests;

/// <summary>A sink that hashes what it is given (without keeping layers) and records the calls.</summary>
internal sealed class RecordingSink(Func<DockerArchiveEntry, bool>? filter = null) : IDockerArchiveSink
{
    public List<DockerArchiveEntry> Offered { get; } = [];

    public Dictionary<string, Digest> Consumed { get; } = new(StringComparer.Ordinal);

    public int MaxReadSize { get; private set; }

    public ValueTask<bool> ShouldConsumeAsync(DockerArchiveEntry entry, CancellationToken cancellationToken)
    {
        Offered.Add(entry);
        return ValueTask.FromResult(filter?.Invoke(entry) ?? entry.Kind is DockerArchiveEntryKind.Layer or DockerArchiveEntryKind.Blob);
    }

    public async Task ConsumeAsync(DockerArchiveEntry entry, Stream content, CancellationToken cancellationToken)
    {
        using var hash = Digest.CreateHash(DigestAlgorithm.Sha256);
        var buffer = new byte[8192];
        int read;
        while ((read = await content.ReadAsync(buffer, cancellationToken)) > 0)
        {
            MaxReadSize = Math.Max(MaxReadSize, read);
            hash.AppendData(buffer, 0, read);
        }

        Consumed[entry.Path] = Digest.FromHash(DigestAlgorithm.Sha256, hash.GetHashAndReset());
    }
}
