using System.Globalization;
using System.Text.Json;
using LayerCache.Oci;
using LayerCache.Registry;
using LayerCache.Store;
using Microsoft.AspNetCore.Http;

namespace LayerCache.Server;

/// <summary>Manifests (by tag and digest), tags list and referrers.</summary>
internal sealed partial class RegistryHandler
{
    private async Task GetManifestAsync(HttpContext context, RegistryRoute route, bool head, CancellationToken cancellationToken)
    {
        if (await ResolveAsync(context, route, cancellationToken) is not { } descriptor)
        {
            return;
        }

        var response = context.Response;
        response.ContentType = descriptor.MediaType;
        response.ContentLength = descriptor.Size;
        response.Headers["Docker-Content-Digest"] = descriptor.Digest.Value;
        response.Headers.ETag = $"\"{descriptor.Digest.Value}\"";
        if (head)
        {
            return;
        }

        // A pull: what server-side retention counts as use (a HEAD is a check, not a use).
        _usage?.Touch(route.Name, descriptor.Digest);
        var bytes = await _blobs.Layout.ReadBlobAsync(descriptor.Digest, cancellationToken, MaxManifestBytes);
        await response.Body.WriteAsync(bytes, cancellationToken);
        _metrics.AddBytesOut(bytes.Length);
    }

    /// <summary>The manifest a tag or digest names in the route's repository; null (answered MANIFEST_UNKNOWN) when there is none.</summary>
    private async Task<Descriptor?> ResolveAsync(HttpContext context, RegistryRoute route, CancellationToken cancellationToken)
    {
        Descriptor? found;
        if (route.Reference.Contains(':', StringComparison.Ordinal))
        {
            if (!Digest.TryParse(route.Reference, out var digest))
            {
                await FailAsync(context, RegistryErrorCode.DigestInvalid, "invalid digest");
                return null;
            }

            found = await _repositories.ResolveManifestAsync(route.Name, digest, cancellationToken);
        }
        else if (!RepositoryName.IsValidTag(route.Reference))
        {
            await FailAsync(context, RegistryErrorCode.TagInvalid, "invalid tag");
            return null;
        }
        else
        {
            found = await _repositories.ResolveTagAsync(route.Name, route.Reference, cancellationToken);
        }

        if (found is null || await _blobs.StatAsync(found.Digest, cancellationToken) is null)
        {
            await FailAsync(context, RegistryErrorCode.ManifestUnknown, $"manifest unknown: {route.Name}:{route.Reference}");
            return null;
        }

        return found;
    }

    private async Task PutManifestAsync(HttpContext context, RegistryRoute route, CancellationToken cancellationToken)
    {
        var request = context.Request;
        var isDigest = route.Reference.Contains(':', StringComparison.Ordinal);
        Digest named = default;
        if (isDigest ? !Digest.TryParse(route.Reference, out named) : !RepositoryName.IsValidTag(route.Reference))
        {
            await FailAsync(context, isDigest ? RegistryErrorCode.DigestInvalid : RegistryErrorCode.TagInvalid, "invalid reference " + route.Reference);
            return;
        }

        var mediaType = request.ContentType?.Split(';')[0].Trim();
        if (mediaType is null || !ManifestMediaTypes.Contains(mediaType))
        {
            await FailAsync(context, RegistryErrorCode.ManifestInvalid, $"unsupported manifest media type \"{mediaType}\"");
            return;
        }

        if (request.ContentLength > MaxManifestBytes)
        {
            await FailAsync(context, RegistryErrorCode.ManifestInvalid, "manifest over 4 MiB", StatusCodes.Status413PayloadTooLarge);
            return;
        }

        var body = await ReadBoundedAsync(request.Body, MaxManifestBytes, cancellationToken);
        if (body is null)
        {
            await FailAsync(context, RegistryErrorCode.ManifestInvalid, "manifest over 4 MiB", StatusCodes.Status413PayloadTooLarge);
            return;
        }

        _metrics.AddBytesIn(body.Length);
        context.Items[BytesInKey] = (long)body.Length;
        var digest = Digest.Compute(isDigest ? named.Algorithm : DigestAlgorithm.Sha256, body);
        if (isDigest && digest != named)
        {
            await FailAsync(context, RegistryErrorCode.DigestInvalid, $"manifest content is {digest}, not {named}");
            return;
        }

        IReadOnlyList<Descriptor> references;
        Descriptor? subject;
        string? artifactType;
        try
        {
            if (MediaType.IsIndex(mediaType))
            {
                var index = OciJson.DeserializeIndex(body);
                (references, subject, artifactType) = (index.Manifests, index.Subject, index.ArtifactType);
                CheckDeclared(index.MediaType, mediaType);
            }
            else
            {
                var manifest = OciJson.DeserializeManifest(body);
                (references, subject) = ([manifest.Config, .. manifest.Layers], manifest.Subject);
                artifactType = manifest.ArtifactType ?? manifest.Config.MediaType;
                CheckDeclared(manifest.MediaType, mediaType);
            }
        }
        catch (Exception e) when (e is OciFormatException or JsonException or InvalidDataException)
        {
            await FailAsync(context, RegistryErrorCode.ManifestInvalid, Clean(e.Message));
            return;
        }

        // Touch, check and tag under the gate: the GC cannot delete a blob between this check and the tag.
        await _leases.Gate.WaitAsync(cancellationToken);
        try
        {
            foreach (var reference in references)
            {
                // A foreign layer lives at its URLs, not here.
                if (reference.Urls is { Count: > 0 })
                {
                    continue;
                }

                _leases.Touch(reference.Digest);
                if (await _blobs.StatAsync(reference.Digest, cancellationToken) is null && _upstream?.SizeOf(reference.Digest) is null)
                {
                    await FailAsync(context, RegistryErrorCode.ManifestBlobUnknown, "blob unknown to registry: " + reference.Digest);
                    return;
                }
            }

            _leases.Touch(digest);
            await using (var upload = await _blobs.BeginUploadAsync(digest, body.Length, cancellationToken))
            {
                await upload.WriteAsync(new MemoryStream(body, writable: false), cancellationToken);
                await upload.CommitAsync(cancellationToken);
            }

            var descriptor = new Descriptor { MediaType = mediaType, Digest = digest, Size = body.Length, ArtifactType = artifactType };
            await _repositories.AddManifestAsync(route.Name, descriptor, subject?.Digest, cancellationToken);
            if (!isDigest)
            {
                await _repositories.TagAsync(route.Name, route.Reference, descriptor, cancellationToken);
            }
        }
        finally
        {
            _leases.Gate.Release();
        }

        var response = context.Response;
        response.StatusCode = StatusCodes.Status201Created;
        response.Headers.Location = $"/v2/{route.Name}/manifests/{digest.Value}";
        response.Headers["Docker-Content-Digest"] = digest.Value;
        if (subject is not null)
        {
            response.Headers["OCI-Subject"] = subject.Digest.Value;
        }

        response.ContentLength = 0;
    }

    private static void CheckDeclared(string? declared, string contentType)
    {
        if (declared is not null && declared != contentType)
        {
            throw new OciFormatException($"the manifest says mediaType \"{declared}\" but was sent as \"{contentType}\"");
        }
    }

    private async Task DeleteManifestAsync(HttpContext context, RegistryRoute route, CancellationToken cancellationToken)
    {
        bool removed;
        if (route.Reference.Contains(':', StringComparison.Ordinal))
        {
            if (!Digest.TryParse(route.Reference, out var digest))
            {
                await FailAsync(context, RegistryErrorCode.DigestInvalid, "invalid digest");
                return;
            }

            removed = await _repositories.RemoveManifestAsync(route.Name, digest, cancellationToken);
        }
        else if (!RepositoryName.IsValidTag(route.Reference))
        {
            await FailAsync(context, RegistryErrorCode.TagInvalid, "invalid tag");
            return;
        }
        else
        {
            removed = await _repositories.UntagAsync(route.Name, route.Reference, cancellationToken);
        }

        if (!removed)
        {
            await FailAsync(context, RegistryErrorCode.ManifestUnknown, $"manifest unknown: {route.Name}:{route.Reference}");
            return;
        }

        context.Response.StatusCode = StatusCodes.Status202Accepted;
        context.Response.ContentLength = 0;
    }

    private async Task ListTagsAsync(HttpContext context, RegistryRoute route, CancellationToken cancellationToken)
    {
        var query = context.Request.Query;
        int? n = null;
        if (query["n"].ToString() is { Length: > 0 } count)
        {
            if (!int.TryParse(count, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed))
            {
                await FailAsync(context, RegistryErrorCode.PaginationNumberInvalid, "invalid n");
                return;
            }

            n = parsed;
        }

        if (!await _repositories.ExistsAsync(route.Name, cancellationToken))
        {
            await FailAsync(context, RegistryErrorCode.NameUnknown, "repository unknown: " + route.Name);
            return;
        }

        var last = query["last"].ToString();
        var tags = (await _repositories.ListTagsAsync(route.Name, cancellationToken))
            .Where(t => last.Length == 0 || string.CompareOrdinal(t, last) > 0)
            .ToList();
        if (n is { } limit && tags.Count > limit)
        {
            tags = tags.Take(limit).ToList();
            if (limit > 0)
            {
                context.Response.Headers.Link = $"</v2/{route.Name}/tags/list?n={limit}&last={tags[^1]}>; rel=\"next\"";
            }
        }

        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("name", route.Name);
            writer.WriteStartArray("tags");
            foreach (var tag in tags)
            {
                writer.WriteStringValue(tag);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        context.Response.ContentType = "application/json";
        context.Response.ContentLength = buffer.Length;
        await context.Response.Body.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), cancellationToken);
    }

    private async Task ReferrersAsync(HttpContext context, RegistryRoute route, CancellationToken cancellationToken)
    {
        if (!Digest.TryParse(route.Reference, out var subject))
        {
            await FailAsync(context, RegistryErrorCode.DigestInvalid, "invalid digest");
            return;
        }

        var filter = context.Request.Query["artifactType"].ToString();
        var referrers = new List<Descriptor>();
        var seen = new HashSet<Digest>();
        await foreach (var found in _repositories.ListAsync(route.Name, cancellationToken))
        {
            if (found.GetAnnotation(RepositoryReferences.SubjectAnnotation) != subject.Value || !seen.Add(found.Digest)
                || (filter.Length > 0 && found.ArtifactType != filter))
            {
                continue;
            }

            // The descriptor carries the referrer's own annotations (the spec's rule), read from the manifest.
            IReadOnlyDictionary<string, string>? annotations;
            try
            {
                var bytes = await _blobs.Layout.ReadBlobAsync(found.Digest, cancellationToken, MaxManifestBytes);
                annotations = MediaType.IsIndex(found.MediaType) ? OciJson.DeserializeIndex(bytes).Annotations : OciJson.DeserializeManifest(bytes).Annotations;
            }
            catch (Exception e) when (StoreErrors.IsStoreFailure(e))
            {
                continue;
            }

            referrers.Add(new Descriptor { MediaType = found.MediaType, Digest = found.Digest, Size = found.Size, ArtifactType = found.ArtifactType, Annotations = annotations });
        }

        if (filter.Length > 0)
        {
            context.Response.Headers["OCI-Filters-Applied"] = "artifactType";
        }

        var body = OciJson.Serialize(new ImageIndex { MediaType = MediaType.OciImageIndex, Manifests = referrers });
        context.Response.ContentType = MediaType.OciImageIndex;
        context.Response.ContentLength = body.Length;
        await context.Response.Body.WriteAsync(body, cancellationToken);
    }

    /// <summary>Reads at most <paramref name="limit"/> bytes; null when the body is longer.</summary>
    private static async Task<byte[]?> ReadBoundedAsync(Stream body, int limit, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[1 << 16];
        int read;
        while ((read = await body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > limit)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }
}
