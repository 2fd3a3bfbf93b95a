using System.Collections.Concurrent;
using LayerCache.Oci;
using LayerCache.Registry.Client;
using LayerCache.Store;

namespace LayerCache.Registry.Store;

/// <summary>
/// The blobs of one registry repository: stat is a <c>HEAD</c>, reads are streamed and verified (resumed
/// with Range after a dropped connection), writes are upload sessions hashed as they stream and named at
/// the final <c>PUT</c>. A manifest or index that another client pushed only as a manifest is read
/// through the manifests endpoint (bounded, verified), so every document the store references is
/// readable as a blob. No delete (blobs are shared; a registry's own GC collects them) and no listing
/// (the API has none).
/// </summary>
/// <remarks>
/// While a write session is open (<see cref="Remembering"/>), a blob found present (or pushed) is not
/// asked of the registry again: a save asks of the same layers in every phase (each question a round
/// trip, tens of milliseconds to a remote registry), blobs are content-addressed and nothing deletes
/// one through this store, and a writer that lost a blob to the registry's own GC meanwhile would lose
/// it between any check and its use all the same. Outside a session (verify, prune, ls) every question
/// goes to the registry. Reads are verified all the same. Documents found only through the manifests
/// endpoint are asked every time: retention deletes manifests.
/// </remarks>
internal sealed class RegistryBlobStore(RegistryClient client, string repository, string location, int chunkSize) : IBlobStore
{
    // A bound, so a store of millions of blobs cannot grow it without limit: past it, start over.
    private const int MaxRemembered = 1 << 16;

    private readonly ChunkBuffers _buffers = new(Math.Max(64 * 1024, chunkSize));
    private readonly ConcurrentDictionary<Digest, long> _present = new();
    private int _sessions;

    public RegistryClient Client => client;

    public string Repository => repository;

    /// <inheritdoc/>
    public Task<BlobInfo?> StatAsync(Digest digest, CancellationToken cancellationToken) =>
        RegistryStoreErrors.CallAsync(location, async () =>
        {
            if (Volatile.Read(ref _sessions) > 0 && _present.TryGetValue(digest, out var known))
            {
                return new BlobInfo(digest, known);
            }

            if (await client.HeadBlobAsync(repository, digest, cancellationToken) is { } size)
            {
                Remember(new BlobInfo(digest, size));
                return new BlobInfo(digest, size);
            }

            return await client.HeadManifestAsync(repository, digest.Value, cancellationToken) is { } manifest
                ? new BlobInfo(digest, manifest.Size)
                : (BlobInfo?)null;
        });

    /// <inheritdoc/>
    public async Task<Stream> OpenReadAsync(Digest digest, CancellationToken cancellationToken)
    {
        try
        {
            return new RegistryReadStream(await client.OpenBlobAsync(repository, digest, null, cancellationToken), location);
        }
        catch (RegistryException e) when (e.Kind == RegistryErrorKind.NotFound)
        {
            // Only a document can be a manifest: read bounded and verified by the client, or not found.
            var manifest = await RegistryStoreErrors.CallAsync(location, () => client.GetManifestAsync(repository, digest.Value, cancellationToken))
                ?? throw new BlobNotFoundException(digest, $"{location} (blob {digest})");
            return new MemoryStream(manifest.Content.ToArray(), writable: false);
        }
        catch (RegistryException e)
        {
            throw RegistryStoreErrors.Translate(e, location);
        }
    }

    /// <inheritdoc/>
    public async Task<IBlobUpload> BeginUploadAsync(Digest? expected, long? expectedSize, CancellationToken cancellationToken)
    {
        var session = await RegistryStoreErrors.CallAsync(location, () => client.StartUploadAsync(repository, cancellationToken));
        return new RegistryBlobUpload(client, repository, location, session, expected, expectedSize, _buffers, Remember);
    }

    /// <summary>Remembers present blobs until the returned scope (a write session's) is disposed, and the last one forgets them.</summary>
    public IDisposable Remembering()
    {
        Interlocked.Increment(ref _sessions);
        return new Scope(this);
    }

    private void Remember(BlobInfo blob)
    {
        if (Volatile.Read(ref _sessions) == 0)
        {
            return;
        }

        if (_present.Count >= MaxRemembered)
        {
            _present.Clear();
        }

        _present[blob.Digest] = blob.Size;
    }

    /// <summary>A document (manifest, config, index) read whole through the one bound, verified.</summary>
    public async Task<byte[]> ReadDocumentAsync(Digest digest, CancellationToken cancellationToken)
    {
        await using var stream = await OpenReadAsync(digest, cancellationToken);
        try
        {
            return await DocumentReader.ReadAsync(stream, $"{location}: blob {digest}", cancellationToken);
        }
        catch (OciFormatException e)
        {
            throw new StoreCorruptException(e.Message, e);
        }
    }

    private sealed class Scope(RegistryBlobStore blobs) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0 && Interlocked.Decrement(ref blobs._sessions) == 0)
            {
                blobs._present.Clear();
            }
        }
    }
}
