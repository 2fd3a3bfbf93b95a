using LayerCache.Oci;

namespace LayerCache.EndToEnd.Tests;

/// <summary>Looks at a store directory from the outside, as a CI cache step or an attacker would.</summary>
internal static class StoreFiles
{
    public static string BlobDirectory(string store) => Path.Combine(store, "blobs", "sha256");

    /// <summary>Every blob file: digest and size on disk.</summary>
    public static IReadOnlyList<(Digest Digest, long Size)> Blobs(string store) =>
        [.. Directory.EnumerateFiles(BlobDirectory(store)).Select(f => (Digest.Parse("sha256:" + Path.GetFileName(f)), new FileInfo(f).Length))];

    /// <summary>The sum of blob sizes: what the CI's file cache uploads.</summary>
    public static long BlobBytes(string store) => Blobs(store).Sum(b => b.Size);

    public static string BlobPath(string store, Digest digest) => Path.Combine(BlobDirectory(store), digest.Hex);

    /// <summary>Inverts one byte of a blob in place (a bit-rotted or tampered cache).</summary>
    public static void FlipByte(string path, long offset)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        file.Position = offset;
        var value = file.ReadByte();
        file.Position = offset;
        file.WriteByte((byte)~value);
    }
}
