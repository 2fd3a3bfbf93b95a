using System.Globalization;
using System.Buffers;
using System.IO.Compression;
using System.IO.Pipelines;
using LayerCache.Oci;

namespace LayerCache.Store;

/// <summary>
/// Writes a layer the way a store keeps layers (<see cref="BlobPolicy.LayerCompression"/>), computing
/// both of its identities in one pass over the uncompressed tar: the DiffId as the tar is read, the
/// stored digest as the compressed bytes reach the upload. Constant memory: the compressor and the
/// upload are joined by a bounded pipe, never a buffer of the layer.
/// </summary>
public static class LayerIngester
{
    /// <summary>
    /// Stores the uncompressed layer tar <paramref name="uncompressed"/> (read to its end). When
    /// <paramref name="expectedDiffId"/> (and <paramref name="uncompressedSize"/>) are given the tar must
    /// match them; on a mismatch nothing is stored and a <see cref="ContentVerificationException"/> is thrown.
    /// </summary>
    /// <exception cref="StoreUnsupportedException">The compression is one this version cannot write (zstd).</exception>
    public static async Task<IngestedLayer> IngestAsync(IBlobStore blobs, LayerCompression compression, Stream uncompressed, DiffId? expectedDiffId, long? uncompressedSize, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(blobs);
        ArgumentNullException.ThrowIfNull(uncompressed);
        if (compression == LayerCompression.None)
        {
            // Stored digest = DiffId: one hash is both identities.
            var stored = await blobs.WriteAsync(uncompressed, expectedDiffId?.Digest, uncompressedSize, cancellationToken);
            return new IngestedLayer(new LayerRecord(DiffId.FromDigest(stored.Digest), stored.ToDescriptor(MediaType.OciLayer)), stored.Existed);
        }

        if (compression != LayerCompression.Gzip)
        {
            throw new StoreUnsupportedException($"writing {compression} layers is not supported by this version (gzip or uncompressed only)");
        }

        // Few, large segments: a registry upload holds its reads while a chunk is sent, so the pipe fills
        // to its pause threshold; in the default 4 KiB segments that is a thousand arrays, more than the
        // shared pool keeps, and the garbage grew a save's peak memory by 40-60 MB.
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 4 << 20, resumeWriterThreshold: 2 << 20, minimumSegmentSize: 64 * 1024));
        await using var upload = await blobs.BeginUploadAsync(null, null, cancellationToken);
        await using var source = new DigestingStream(uncompressed, expectedDiffId?.Digest.Algorithm ?? DigestAlgorithm.Sha256, leaveOpen: true);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var compressing = CompressAsync(source, pipe.Writer, stop.Token);
        try
        {
            await using (var compressed = pipe.Reader.AsStream(leaveOpen: true))
            {
                await upload.WriteAsync(compressed, stop.Token);
            }

            await compressing;
        }
        catch
        {
            await stop.CancelAsync();
            await Task.WhenAny(compressing);
            await pipe.Reader.CompleteAsync();
            throw;
        }

        await pipe.Reader.CompleteAsync();
        var diffId = DiffId.FromDigest(source.Digest);
        if (expectedDiffId is { } expected && expected != diffId)
        {
            throw new DigestMismatchException(expected.Digest, diffId.Digest, "layer " + expected);
        }

        if (uncompressedSize is { } size && size != source.ByteCount)
        {
            throw new SizeMismatchException(size, source.ByteCount, "layer " + diffId);
        }

        var blob = await upload.CommitAsync(cancellationToken);
        var gzipped = blob.ToDescriptor(MediaType.OciLayerGzip) with
        {
            Annotations = new Dictionary<string, string>(StringComparer.Ordinal) { [StoreAnnotations.LayerTarSize] = source.ByteCount.ToString(CultureInfo.InvariantCulture) },
        };
        return new IngestedLayer(new LayerRecord(diffId, gzipped), blob.Existed);
    }

    /// <summary>The size of every write into the compressor but the last (part of the stored format: changing it changes digests).</summary>
    private const int CompressChunk = 64 * 1024;

    private static async Task CompressAsync(Stream source, PipeWriter writer, CancellationToken cancellationToken)
    {
        try
        {
            await using (var output = writer.AsStream(leaveOpen: true))
            await using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
            {
                // The deflater's output depends on how its input is cut into writes, and the reads of an
                // engine's export are cut by the network: feed it full chunks of one size, so one tar always
                // compresses to one digest (else a registry stores the same layer again on every save).
                var buffer = ArrayPool<byte>.Shared.Rent(CompressChunk);
                try
                {
                    int read;
                    while ((read = await source.ReadAtLeastAsync(buffer.AsMemory(0, CompressChunk), CompressChunk, throwOnEndOfStream: false, cancellationToken)) > 0)
                    {
                        await gzip.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                    }
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                }
            }

            await writer.CompleteAsync();
        }
        catch (Exception e)
        {
            await writer.CompleteAsync(e);
            throw;
        }
    }
}
