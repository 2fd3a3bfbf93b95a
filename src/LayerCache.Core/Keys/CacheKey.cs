using System.Text;
using LayerCache.Oci;

namespace LayerCache.Core.Keys;

/// <summary>Computes the cache key: the digest of a canonical text of <see cref="CacheKeyInputs"/>.</summary>
public static class CacheKey
{
    /// <summary>The canonical text the key is the digest of; stable across platforms and versions of this format.</summary>
    public static string CanonicalText(CacheKeyInputs inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        var text = new StringBuilder();
        text.Append("layercache-key v1\n");
        text.Append("dockerfile ").Append(inputs.Dockerfile.Value).Append('\n');
        text.Append("target ").Append(inputs.Target).Append('\n');
        text.Append("builder ").Append(inputs.Builder).Append('\n');
        if (inputs.Platform is { } platform)
        {
            // Only when asked for: keys of builds for the engine's own platform stay as they were.
            text.Append("platform ").Append(platform).Append('\n');
        }

        foreach (var (name, digest) in inputs.BuildArgs.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            text.Append("build-arg ").Append(name).Append(' ').Append(digest.Value).Append('\n');
        }

        foreach (var (path, digest) in inputs.KeyFiles.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            text.Append("key-file ").Append(path).Append(' ').Append(digest.Value).Append('\n');
        }

        foreach (var (image, digest) in inputs.BaseImages.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            text.Append("base ").Append(image).Append(' ').Append(digest?.Value ?? "unresolved").Append('\n');
        }

        return text.ToString();
    }

    /// <summary>The key.</summary>
    public static Digest Compute(CacheKeyInputs inputs) => Digest.Compute(Encoding.UTF8.GetBytes(CanonicalText(inputs)));

    /// <summary>Hashes a build argument's value so the key never shows the value itself.</summary>
    public static Digest HashValue(string value) => Digest.Compute(Encoding.UTF8.GetBytes(value));
}
