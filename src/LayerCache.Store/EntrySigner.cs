using System.Security.Cryptography;
using System.Text;
using LayerCache.Oci;

namespace LayerCache.Store;

/// <summary>
/// Signs and checks entries with a shared secret (HMAC-SHA256). The message is the entry id (the
/// digest of the entry index blob, which binds every stage manifest, config and layer) plus the
/// entry's identity (scope and image), so a signature cannot be moved to another entry, scope or
/// image. Whoever lacks the key can copy, drop or alter entries but cannot make one that a keyed
/// build accepts: the worst is a cache miss.
/// </summary>
public sealed class EntrySigner
{
    /// <summary>Prefix of a signature value, naming the scheme (and its version).</summary>
    public const string Scheme = "hmac-sha256-v1:";

    private readonly byte[] _key;

    /// <summary>A signer for the given secret key bytes.</summary>
    /// <exception cref="ArgumentException">The key is empty.</exception>
    public EntrySigner(ReadOnlySpan<byte> key)
    {
        if (key.IsEmpty)
        {
            throw new ArgumentException("the signing key is empty", nameof(key));
        }

        _key = key.ToArray();
    }

    /// <summary>A signer for a secret given as text (its UTF-8 bytes are the key).</summary>
    public static EntrySigner FromSecret(string secret)
    {
        ArgumentException.ThrowIfNullOrEmpty(secret);
        return new EntrySigner(Encoding.UTF8.GetBytes(secret));
    }

    /// <summary>The signature of a stored entry (its <see cref="CacheEntry.Id"/> must be set).</summary>
    public string Sign(CacheEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (entry.Id.IsEmpty)
        {
            throw new ArgumentException("only a stored entry (with an id) can be signed", nameof(entry));
        }

        return Scheme + Convert.ToHexStringLower(HMACSHA256.HashData(_key, Message(entry.Id, entry.Scope, entry.Image)));
    }

    /// <summary>True when the entry carries a valid signature made with this key (compared in constant time).</summary>
    public bool IsSignedBy(CacheEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (entry.Signature is not { } signature || entry.Id.IsEmpty)
        {
            return false;
        }

        var expected = Encoding.ASCII.GetBytes(Sign(entry));
        var actual = Encoding.UTF8.GetBytes(signature);
        return CryptographicOperations.FixedTimeEquals(expected, actual);
    }

    // Length-prefixed fields: no field value can shift text into another field.
    private static byte[] Message(Digest id, CacheScope scope, ImageIdentity image)
    {
        var text = new StringBuilder("layercache entry v1\n");
        foreach (var field in new[] { id.Value, scope.Value, image.Dockerfile, image.Target ?? string.Empty, image.Platform ?? string.Empty })
        {
            text.Append(field.Length).Append(':').Append(field).Append('\n');
        }

        return Encoding.UTF8.GetBytes(text.ToString());
    }
}
