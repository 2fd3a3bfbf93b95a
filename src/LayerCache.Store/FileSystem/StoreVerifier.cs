using LayerCache.Oci;

namespace LayerCache.Store;

/// <summary>
/// <c>verify</c>: re-hashes every blob, checks that everything <c>index.json</c> reaches is present
/// and parses, and names the entries each problem breaks.
/// </summary>
internal sealed class StoreVerifier(FileSystemBlobStore blobs)
{
    /// <summary>Checks the store against <paramref name="index"/>.</summary>
    public async Task<VerifyReport> VerifyAsync(ImageIndex index, CancellationToken cancellationToken)
    {
        var graph = new ContentGraph(blobs);
        var referencedBy = new Dictionary<Digest, SortedSet<string>>();
        var brokenEntries = new SortedSet<string>(StringComparer.Ordinal);
        var closures = new List<(string Root, Dictionary<Digest, Descriptor> Closure)>();
        foreach (var root in index.Manifests)
        {
            var name = root.GetAnnotation(AnnotationKeys.RefName) ?? root.Digest.Value;
            if (IndexEditor.IsEntry(root) && !IndexedEntry.TryCreate(root, out _))
            {
                brokenEntries.Add(name);
            }

            var closure = await graph.ClosureAsync(root, cancellationToken);
            closures.Add((name, closure));
            foreach (var digest in closure.Keys)
            {
                if (!referencedBy.TryGetValue(digest, out var names))
                {
                    referencedBy[digest] = names = new SortedSet<string>(StringComparer.Ordinal);
                }

                names.Add(name);
            }
        }

        var problems = new Dictionary<Digest, (BlobProblemKind Kind, string Detail)>(graph.Problems);
        var present = new Dictionary<Digest, long>();
        var unreferenced = 0;
        var blobsChecked = 0;
        long bytesChecked = 0;
        var buffer = new byte[1 << 16];
        await foreach (var blob in blobs.ListAsync(cancellationToken))
        {
            present[blob.Digest] = blob.Size;
            unreferenced += referencedBy.ContainsKey(blob.Digest) ? 0 : 1;
            blobsChecked++;
            bytesChecked += blob.Size;
            try
            {
                await using var stream = await blobs.OpenReadAsync(blob.Digest, cancellationToken);
                while (await stream.ReadAsync(buffer, cancellationToken) > 0)
                {
                }
            }
            catch (ContentVerificationException e)
            {
                problems[blob.Digest] = (BlobProblemKind.Corrupt, e.Message);
            }
            catch (BlobNotFoundException)
            {
                // Deleted between listing and reading by a tool outside our locks; the reference check below reports it if it matters.
                present.Remove(blob.Digest);
            }
        }

        foreach (var digest in referencedBy.Keys)
        {
            if (!present.ContainsKey(digest))
            {
                problems[digest] = (BlobProblemKind.Missing, $"{blobs.GetBlobPath(digest)}: blob {digest} not found");
            }
        }

        // A descriptor must state the size of what it points to: a restore streams exactly that many
        // bytes (a manifest declaring 10^15 bytes for a small layer is as broken as a wrong digest).
        foreach (var (root, closure) in closures)
        {
            foreach (var descriptor in closure.Values)
            {
                if (present.TryGetValue(descriptor.Digest, out var stored) && stored != descriptor.Size && !problems.ContainsKey(descriptor.Digest))
                {
                    problems[descriptor.Digest] = (BlobProblemKind.Invalid, $"{blobs.GetBlobPath(descriptor.Digest)}: declared as {descriptor.Size} bytes (by {root}), stored as {stored}");
                }
            }
        }

        var list = problems
            .OrderBy(p => p.Key)
            .Select(p => new BlobProblem(p.Key, p.Value.Kind, p.Value.Detail, referencedBy.TryGetValue(p.Key, out var names) ? [.. names] : []))
            .ToList();
        foreach (var (root, closure) in closures)
        {
            if (closure.Keys.Any(problems.ContainsKey))
            {
                brokenEntries.Add(root);
            }
        }

        return new VerifyReport
        {
            BlobsChecked = blobsChecked,
            BytesChecked = bytesChecked,
            EntriesChecked = index.Manifests.Count(IndexEditor.IsEntry),
            Problems = list,
            BrokenEntries = [.. brokenEntries],
            UnreferencedBlobs = unreferenced,
        };
    }
}
