using System.Text;
using LayerCache.Oci;

namespace LayerCache.Core.Keys;

/// <summary>Computes the cache key: the digest of a canonical text of <see cref="CacheKeyInputs"/>.</summary>
public static class CacheKey
{
    /// <summary>
    /// The canonical text the key is the digest of; stable across platforms and versions of this format.
    /// <c>v1</c>: base images by the engine's image id. <c>v2</c>: some base images by their registry
    /// manifest digest (<c>base IMAGE manifest:DIGEST</c>), the others as in v1; the two identities never
    /// mix silently, so a key computed with an engine and one computed from the registry differ.
    /// </summary>
    public static string CanonicalText(CacheKeyInputs inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        var text = new StringBuilder();
        var manifests = inputs.BaseManifests ?? new Dictionary<string, Digest?>();
        text.Append("layercache-key ").Append(FormatOf(inputs)).Append('\n');
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
            text.Append("base ").Append(image).Append(' ');
            if (manifests.TryGetValue(image, out var manifest) && manifest is { } m)
            {
                text.Append("manifest:").Append(m.Value).Append('\n');
            }
            else
            {
                text.Append(digest?.Value ?? "unresolved").Append('\n');
            }
        }

        return text.ToString();
    }

    /// <summary>The key format <paramref name="inputs"/> give: <c>v2</c> when a base image is identified by its manifest digest, else <c>v1</c>.</summary>
    public static string FormatOf(CacheKeyInputs inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        return inputs.BaseManifests?.Values.Any(d => d is not null) == true ? "v2" : "v1";
    }

    /// <summary>The key.</summary>
    public static Digest Compute(CacheKeyInputs inputs) => Digest.Compute(Encoding.UTF8.GetBytes(CanonicalText(inputs)));

    /// <summary>Hashes a build argument's value so the key never shows the value itself.</summary>
    public static Digest HashValue(string value) => Digest.Compute(Encoding.UTF8.GetBytes(value));
}
