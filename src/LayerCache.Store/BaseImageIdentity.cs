using LayerCache.Oci;

namespace LayerCache.Store;

/// <summary>
/// What a base image (<c>FROM</c>) resolved to, by the two identities there are: the engine's image id
/// (the config digest, known once the image is local) and the registry's manifest digest (known from a
/// <c>HEAD</c> on the registry, or the engine's <c>RepoDigests</c>, without pulling). Either may be
/// missing; two identities match when every identity both sides have agrees and they share at least one.
/// </summary>
/// <param name="ImageId">The engine's image id (config digest), or null when unknown.</param>
/// <param name="ManifestDigest">The registry manifest digest (for the build's platform), or null when unknown.</param>
public sealed record BaseImageIdentity(Digest? ImageId, Digest? ManifestDigest)
{
    /// <summary>True when both identities are unknown (the image could not be resolved).</summary>
    public bool IsEmpty => ImageId is null && ManifestDigest is null;

    /// <summary>
    /// True when the two name the same image: they share at least one identity and no shared one
    /// differs. An entry saved with only an image id still matches a run that knows both.
    /// </summary>
    public bool Matches(BaseImageIdentity other)
    {
        ArgumentNullException.ThrowIfNull(other);
        var shared = false;
        if (ImageId is { } id && other.ImageId is { } otherId)
        {
            if (id != otherId)
            {
                return false;
            }

            shared = true;
        }

        if (ManifestDigest is { } manifest && other.ManifestDigest is { } otherManifest)
        {
            if (manifest != otherManifest)
            {
                return false;
            }

            shared = true;
        }

        return shared;
    }

    /// <summary>
    /// True when an identity both sides know differs: the image changed. Sides that share no identity
    /// (one knows only the image id, the other only the manifest digest) cannot tell, and do not differ.
    /// </summary>
    public bool Contradicts(BaseImageIdentity other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return (ImageId is { } id && other.ImageId is { } otherId && id != otherId)
            || (ManifestDigest is { } manifest && other.ManifestDigest is { } otherManifest && manifest != otherManifest);
    }

    /// <summary>Compact form for reasons and logs: <c>id sha256:…</c>, <c>manifest sha256:…</c>, or both.</summary>
    public override string ToString() =>
        string.Join(", ", new[] { ImageId is { } id ? "id " + id : null, ManifestDigest is { } m ? "manifest " + m : null }.OfType<string>());
}
