namespace LayerCache.Oci;

/// <summary>
/// The one reader of small documents (index, entry, manifest, config, <c>oci-layout</c>): reads a
/// stream to its end into memory, refusing more than <see cref="MaxSize"/> bytes, so no stored file,
/// whatever it claims or is, makes a read unbounded.
/// </summary>
public static class DocumentReader
{
    /// <summary>The largest document read: 4 MiB, the limit registries put on manifests.</summary>
    public const int MaxSize = 4 * 1024 * 1024;

    /// <summary>Reads <paramref name="content"/> to its end.</summary>
    /// <exception cref="OciFormatException">It holds more than <see cref="MaxSize"/> bytes; the message names <paramref name="source"/>.</exception>
    public static async Task<byte[]> ReadAsync(Stream content, string source, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await content.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > MaxSize)
            {
                throw new OciFormatException($"{source} is larger than {MaxSize} bytes, too large for a manifest, index or config");
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    /// <summary>Reads the regular file <paramref name="path"/> without following a link or blocking on a special file.</summary>
    /// <exception cref="FileNotFoundException">Nothing is there.</exception>
    /// <exception cref="UnsafeFileException">It is a link, a directory or a special file.</exception>
    /// <exception cref="OciFormatException">It is larger than <see cref="MaxSize"/>.</exception>
    public static async Task<byte[]> ReadFileAsync(string path, CancellationToken cancellationToken)
    {
        await using var stream = UntrustedFile.OpenRead(path);
        return await ReadAsync(stream, path, cancellationToken);
    }
}
