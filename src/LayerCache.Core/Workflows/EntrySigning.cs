using LayerCache.Store;

namespace LayerCache.Core.Workflows;

/// <summary>
/// Opt-in signed entries: with <see cref="KeyVariable"/> set, a save signs its entry and a restore
/// accepts only entries signed with that key. Meant for default-branch builds, with the key in a CI
/// secret that pull request builds do not get (see the README's trust model).
/// </summary>
internal static class EntrySigning
{
    /// <summary>The environment variable holding the secret.</summary>
    public const string KeyVariable = "LAYERCACHE_SIGNING_KEY";

    /// <summary>The signer for the run's environment, or null when the variable is unset or empty.</summary>
    public static EntrySigner? FromEnvironment(Func<string, string?> environment) =>
        environment(KeyVariable) is { Length: > 0 } secret ? EntrySigner.FromSecret(secret) : null;
}
