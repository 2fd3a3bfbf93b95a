using LayerCache.Oci;

namespace LayerCache.Server;

/// <summary>
/// Which blobs are layers that must pass <see cref="LayerContentGuardStream"/> on their way out, and
/// who hears of a blob that failed on its way out (refused by the guard, or not matching its digest):
/// the bridge, whose pull then fails with the reason instead of a bare broken connection.
/// </summary>
internal sealed record LayerGuard(Func<Digest, bool> IsGuarded, Action<ContentVerificationException> Failed);
