using System.Collections.Concurrent;

namespace LayerCache.Registry.Store;

/// <summary>
/// The chunk-sized buffers of a registry store's uploads (<see cref="RegistryBlobUpload"/>): a buffer
/// is reused by the uploads that follow, and at most <see cref="Kept"/> are kept. Not the shared array
/// pool, which keeps arrays per core, so uploads resumed on another thread each left another 16 MiB
/// array behind (a save's peak memory grew by three chunks).
/// </summary>
internal sealed class ChunkBuffers(int chunkSize)
{
    /// <summary>How many idle buffers are kept (uploads are sequential in a save; a few run at once elsewhere).</summary>
    public const int Kept = 2;

    private readonly ConcurrentBag<byte[]> _idle = [];

    /// <summary>The chunk size, which every buffer has.</summary>
    public int ChunkSize { get; } = chunkSize;

    /// <summary>A buffer of <see cref="ChunkSize"/> bytes: an idle one, else a new one.</summary>
    public byte[] Rent() => _idle.TryTake(out var buffer) ? buffer : GC.AllocateUninitializedArray<byte>(ChunkSize);

    /// <summary>Gives a buffer back for the next upload, or lets it go when enough are idle.</summary>
    public void Return(byte[] buffer)
    {
        if (buffer.Length == ChunkSize && _idle.Count < Kept)
        {
            _idle.Add(buffer);
        }
    }
}
