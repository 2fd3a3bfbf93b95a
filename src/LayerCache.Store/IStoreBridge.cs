using LayerCache.Oci;

namespace LayerCache.Store;

/// <summary>
/// A store served to the local engine as a registry for one step of a run (the bridge): the engine
/// pulls exposed stage images from it, fetching only layers it lacks, and pushes stage images to it,
/// sending only layers the store lacks. Listens on the loopback interface only; what the engine
/// pushes is tagged in memory, never in the store. Disposing stops it.
/// </summary>
/// <remarks>
/// Two kinds, chosen by <see cref="IStoreBridgeHost.Inflates"/>: over a directory store of plain-tar
/// layers the engine is served the store's own blobs; over any other store (a registry, a store of
/// gzip layers) the engine is served each layer inflated, by its DiffId, under a manifest made for
/// it, and what it pushes lands in a private spool the save adopts from (<see cref="Pushed"/>).
/// Either way the engine only ever receives plain tars that passed <see cref="LayerContentGuardStream"/>.
/// </remarks>
public interface IStoreBridge : IAsyncDisposable
{
    /// <summary>The repository the engine pulls from and pushes to, e.g. <c>127.0.0.1:41235/layercache/bridge</c>.</summary>
    string Repository { get; }

    /// <summary>
    /// The secret the engine presents (as the password of Basic authentication, any user name): a
    /// random token made for this bridge, so no other local process reads or writes through it.
    /// </summary>
    string Token { get; }

    /// <summary>Where the blobs the engine pushes land (the store itself, or the bridge's spool).</summary>
    IBlobStore Pushed { get; }

    /// <summary>
    /// Makes a stage image pullable from <see cref="Repository"/>: <paramref name="manifest"/> (as stored),
    /// its config, and for each of its layers the stored layer with both identities. Returns the digest the
    /// engine pulls it by: the stored manifest's, or that of the one a bridge that inflates makes for the
    /// engine (<see cref="BridgeManifest.Inflated"/>). Layers are served only through <see cref="LayerContentGuardStream"/>.
    /// </summary>
    /// <exception cref="ArgumentException">A bridge that inflates cannot serve a layer (see <see cref="BridgeManifest.WhyNotServable"/>).</exception>
    Task<Digest> ExposeAsync(SerializedDocument manifest, ReadOnlyMemory<byte> config, IReadOnlyList<LayerRecord> layers, CancellationToken cancellationToken);

    /// <summary>
    /// Stored layers the engine may name by their DiffId when it pushes (it pulled them through a
    /// bridge earlier in the run): answered as present, so the engine does not send them again.
    /// </summary>
    void Offer(IEnumerable<LayerRecord> layers);

    /// <summary>The manifest the engine pushed as <paramref name="tag"/> of <see cref="Repository"/>, or null.</summary>
    Task<Descriptor?> ResolveTagAsync(string tag, CancellationToken cancellationToken);

    /// <summary>
    /// The last blob that failed on its way to the engine, or null: refused by the layer guard
    /// (<see cref="LayerContentRefusedException"/>) or not matching its digest (<see cref="DigestMismatchException"/>).
    /// </summary>
    ContentVerificationException? ContentFailure { get; }
}
