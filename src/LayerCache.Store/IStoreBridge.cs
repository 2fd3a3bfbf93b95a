using LayerCache.Oci;

namespace LayerCache.Store;

/// <summary>
/// A directory store served to the local engine as a registry for one step of a run (the bridge):
/// the engine pulls exposed stage images from it, fetching only layers it lacks, and pushes stage
/// images to it, sending only layers the store lacks. Listens on the loopback interface only; what
/// the engine pushes is tagged in memory, never in the store. Disposing stops it.
/// </summary>
public interface IStoreBridge : IAsyncDisposable
{
    /// <summary>The repository the engine pulls from and pushes to, e.g. <c>127.0.0.1:41235/layercache/bridge</c>.</summary>
    string Repository { get; }

    /// <summary>
    /// The secret the engine presents (as the password of Basic authentication, any user name): a
    /// random token made for this bridge, so no other local process reads or writes through it.
    /// </summary>
    string Token { get; }

    /// <summary>
    /// Makes <paramref name="manifest"/> (a blob of the store) pullable by digest from <see cref="Repository"/>;
    /// <paramref name="layers"/> are served only through <see cref="LayerContentGuardStream"/>.
    /// </summary>
    Task ExposeAsync(Descriptor manifest, IReadOnlyCollection<Digest> layers, CancellationToken cancellationToken);

    /// <summary>The manifest the engine pushed as <paramref name="tag"/> of <see cref="Repository"/>, or null.</summary>
    Task<Descriptor?> ResolveTagAsync(string tag, CancellationToken cancellationToken);

    /// <summary>
    /// The last blob that failed on its way to the engine, or null: refused by the layer guard
    /// (<see cref="LayerContentRefusedException"/>) or not matching its digest (<see cref="DigestMismatchException"/>).
    /// </summary>
    ContentVerificationException? ContentFailure { get; }
}
