using LayerCache.Oci;
using LayerCache.Store;

namespace LayerCache.Registry.Store;

/// <summary>The registry's error classification mapped one to one onto the store's.</summary>
internal static class RegistryStoreErrors
{
    public static StoreErrorKind ToStoreKind(RegistryErrorKind kind) => kind switch
    {
        RegistryErrorKind.NotFound => StoreErrorKind.NotFound,
        RegistryErrorKind.Corrupt => StoreErrorKind.Corrupt,
        RegistryErrorKind.Invalid => StoreErrorKind.Invalid,
        RegistryErrorKind.Transient => StoreErrorKind.Transient,
        RegistryErrorKind.Denied => StoreErrorKind.Denied,
        RegistryErrorKind.Unsupported => StoreErrorKind.Unsupported,
        _ => StoreErrorKind.Transient,
    };

    /// <summary>A registry failure as a store failure; content that did not match its digest stays a <see cref="ContentVerificationException"/>.</summary>
    public static Exception Translate(RegistryException e, string location) =>
        e.Kind == RegistryErrorKind.Corrupt
            ? new ContentVerificationException($"{location}: {e.Message}", e)
            : e.Kind == RegistryErrorKind.Unsupported
                ? new StoreUnsupportedException($"{location}: {e.Message}", e)
                : new StoreException(ToStoreKind(e.Kind), $"{location}: {e.Message}", e);

    /// <summary>Runs a registry call, translating its failures.</summary>
    public static async Task<T> CallAsync<T>(string location, Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (RegistryException e)
        {
            throw Translate(e, location);
        }
    }
}
