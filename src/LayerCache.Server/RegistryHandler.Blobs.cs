using System.Globalization;
using LayerCache.Oci;
using LayerCache.Registry;
using LayerCache.Store;
using Microsoft.AspNetCore.Http;

namespace LayerCache.Server;

/// <summary>Blobs and uploads: HEAD/GET with Range, DELETE, POST (monolithic, session, mount), PATCH, PUT, upload DELETE.</summary>
internal sealed partial class RegistryHandler
{
    private async Task GetBlobAsync(HttpContext context, RegistryRoute route, bool head, CancellationToken cancellationToken)
    {
        if (!Digest.TryParse(route.Reference, out var digest))
        {
            await FailAsync(context, RegistryErrorCode.DigestInvalid, "invalid digest");
            return;
        }

        if (await _blobs.StatAsync(digest, cancellationToken) is not { } blob)
        {
            if (_upstream?.SizeOf(digest) is { } size)
            {
                await GetUpstreamLayerAsync(context, digest, size, head, cancellationToken);
                return;
            }

            await FailAsync(context, RegistryErrorCode.BlobUnknown, "blob unknown: " + digest);
            return;
        }

        FileStream? file = null;
        if (!head)
        {
            try
            {
                file = _blobs.Layout.OpenBlobFile(digest);
            }
            catch (BlobNotFoundException)
            {
                // Deleted since the stat: the answer it would have had a moment later.
                await FailAsync(context, RegistryErrorCode.BlobUnknown, "blob unknown: " + digest);
                return;
            }
        }

        await using (file)
        {
            _leases.Touch(digest);
            var response = context.Response;
            if (await BlobHeadersAsync(context, digest, blob.Size, toEndOnly: false) is not (var start, var length) || file is null)
            {
                return;
            }

            // A file verified before and unchanged since is sent as it is (a range is a seek); any other is
            // hashed on the way out, and a whole blob remembered once its digest matched.
            var stamp = UntrustedFile.Stamp(file);
            Stream source = file;
            VerifyingStream? verifying = null;
            if (_verified.Matches(digest, stamp))
            {
                file.Seek(start, SeekOrigin.Begin);
            }
            else
            {
                source = verifying = new VerifyingStream(file, digest, blob.Size, _blobs.GetBlobPath(digest));
                if (start > 0)
                {
                    await SkipAsync(verifying, start, cancellationToken);
                }
            }

            var guarded = start == 0 && _guard is { } guard && guard.IsGuarded(digest);
            if (guarded)
            {
                // A layer the bridge hands to the engine, which would inflate a compressed one and expand
                // sparse entries: refused mid-stream (a broken pull, nothing registered), as a load refuses it.
                source = new LayerContentGuardStream(source, digest, "blob " + digest, leaveOpen: true);
            }

            await SendAsync(source, response, length, length == blob.Size ? verifying : null, cancellationToken, readEndBeforeLast: guarded);
            _metrics.AddBytesOut(length);
            if (verifying is not null && length == blob.Size)
            {
                _verified.Remember(digest, stamp);
            }
        }
    }

    /// <summary>
    /// A layer of <see cref="_upstream"/>: the plain tar, inflated and checked as it streams; the end is
    /// read (the stored digest and the DiffId checked) before the last bytes go out, so a bad layer never
    /// arrives whole. A range is served by reading past its start: the engine resumes a broken download so.
    /// </summary>
    private async Task GetUpstreamLayerAsync(HttpContext context, Digest digest, long size, bool head, CancellationToken cancellationToken)
    {
        // Only ranges to the end (a resume): a slice would inflate the layer to its end all the same.
        var response = context.Response;
        if (await BlobHeadersAsync(context, digest, size, toEndOnly: true) is not (var start, var length) || head)
        {
            return;
        }

        await using var source = await _upstream!.OpenAsync(digest, cancellationToken);
        if (start > 0)
        {
            await SkipAsync(source, start, cancellationToken);
        }

        await SendAsync(source, response, length, null, cancellationToken, readEndBeforeLast: true);
        _metrics.AddBytesOut(length);
    }

    /// <summary>
    /// A blob answer's headers, with its <c>Range</c> (<paramref name="toEndOnly"/>: only one to the end);
    /// the start and length to send, or null when the range was refused (answered).
    /// </summary>
    private static async Task<(long Start, long Length)?> BlobHeadersAsync(HttpContext context, Digest digest, long size, bool toEndOnly)
    {
        var response = context.Response;
        response.Headers["Docker-Content-Digest"] = digest.Value;
        response.Headers.AcceptRanges = "bytes";
        response.Headers.ETag = $"\"{digest.Value}\"";
        response.ContentType = "application/octet-stream";
        long start = 0, length = size;
        if (context.Request.Headers.Range.ToString() is { Length: > 0 } range)
        {
            if (!TryParseRange(range, size, out start, out var end) || (toEndOnly && end != size - 1))
            {
                response.Headers.ContentRange = $"bytes */{size}";
                await FailAsync(context, RegistryErrorCode.RangeInvalid, "range not satisfiable: " + range);
                return null;
            }

            length = end - start + 1;
            response.StatusCode = StatusCodes.Status206PartialContent;
            response.Headers.ContentRange = string.Create(CultureInfo.InvariantCulture, $"bytes {start}-{end}/{size}");
        }

        response.ContentLength = length;
        return (start, length);
    }

    private async Task DeleteBlobAsync(HttpContext context, RegistryRoute route, CancellationToken cancellationToken)
    {
        if (!Digest.TryParse(route.Reference, out var digest))
        {
            await FailAsync(context, RegistryErrorCode.DigestInvalid, "invalid digest");
            return;
        }

        _verified.Forget(digest);
        if (!await _blobs.DeleteAsync(digest, cancellationToken))
        {
            await FailAsync(context, RegistryErrorCode.BlobUnknown, "blob unknown: " + digest);
            return;
        }

        context.Response.StatusCode = StatusCodes.Status202Accepted;
        context.Response.ContentLength = 0;
    }

    private async Task StartUploadAsync(HttpContext context, RegistryRoute route, CancellationToken cancellationToken)
    {
        var query = context.Request.Query;
        if (query["mount"].ToString() is { Length: > 0 } mount && !context.Items.ContainsKey(NoMountKey))
        {
            // Blobs are shared by every repository: a mount succeeds when the blob is here and the source repository is a valid name.
            var from = query["from"].ToString();
            if (Digest.TryParse(mount, out var mounted) && (from.Length == 0 || RepositoryName.IsValid(from))
                && (await _blobs.StatAsync(mounted, cancellationToken) is not null || _upstream?.SizeOf(mounted) is not null))
            {
                _leases.Touch(mounted);
                Created(context, route.Name, mounted);
                return;
            }
        }

        if (query["digest"].ToString() is { Length: > 0 } text)
        {
            // Monolithic: the body is the whole blob.
            if (!Digest.TryParse(text, out var digest))
            {
                await FailAsync(context, RegistryErrorCode.DigestInvalid, "invalid digest: " + text);
                return;
            }

            await using var upload = await _blobs.BeginUploadAsync(digest, context.Request.ContentLength, cancellationToken);
            if (await WriteBodyAsync(context, upload, cancellationToken) && await CommitAsync(context, upload, digest, null, cancellationToken))
            {
                Created(context, route.Name, digest);
            }

            return;
        }

        if (_sessions.Count >= _maxUploads)
        {
            await FailAsync(context, RegistryErrorCode.TooManyRequests, $"{_maxUploads} uploads are open; finish or cancel one");
            return;
        }

        var session = _sessions.Add(route.Name, await _blobs.BeginUploadAsync(null, null, cancellationToken));
        Accepted(context, route.Name, session);
    }

    private async Task UploadStatusAsync(HttpContext context, RegistryRoute route)
    {
        if (_sessions.Find(route.Name, route.Reference) is not { } session)
        {
            await FailAsync(context, RegistryErrorCode.BlobUploadUnknown, "upload unknown");
            return;
        }

        Accepted(context, route.Name, session);
        context.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    private async Task PatchUploadAsync(HttpContext context, RegistryRoute route, CancellationToken cancellationToken)
    {
        if (_sessions.Find(route.Name, route.Reference) is not { } session)
        {
            await FailAsync(context, RegistryErrorCode.BlobUploadUnknown, "upload unknown");
            return;
        }

        await session.Gate.WaitAsync(cancellationToken);
        try
        {
            session.LastUsed = Now();
            var offset = session.Upload.Offset;
            if (context.Request.Headers.ContentRange.ToString() is { Length: > 0 } range)
            {
                // Chunks come in order: one that does not start where the upload is gets 416 and the Range to resume from.
                if (!TryParseContentRange(range, out var first, out var last) || first != offset || (context.Request.ContentLength is { } n && n != last - first + 1))
                {
                    SetRange(context, session);
                    context.Response.Headers.Location = UploadLocation(route.Name, session);
                    await FailAsync(context, RegistryErrorCode.RangeInvalid, $"chunk {range} does not continue the upload at {offset}");
                    return;
                }
            }

            if (await WriteBodyAsync(context, session.Upload, cancellationToken))
            {
                session.LastUsed = Now();
                Accepted(context, route.Name, session);
            }
            else
            {
                await _sessions.RemoveAsync(session);
            }
        }
        finally
        {
            session.Gate.Release();
        }
    }

    private async Task FinishUploadAsync(HttpContext context, RegistryRoute route, CancellationToken cancellationToken)
    {
        if (_sessions.Find(route.Name, route.Reference) is not { } session)
        {
            await FailAsync(context, RegistryErrorCode.BlobUploadUnknown, "upload unknown");
            return;
        }

        var text = context.Request.Query["digest"].ToString();
        if (!Digest.TryParse(text, out var digest))
        {
            await FailAsync(context, RegistryErrorCode.DigestInvalid, "the final PUT needs ?digest= with a valid digest");
            return;
        }

        await session.Gate.WaitAsync(cancellationToken);
        try
        {
            if (context.Request.Headers.ContentRange.ToString() is { Length: > 0 } range
                && (!TryParseContentRange(range, out var first, out _) || first != session.Upload.Offset))
            {
                SetRange(context, session);
                await FailAsync(context, RegistryErrorCode.RangeInvalid, $"chunk {range} does not continue the upload at {session.Upload.Offset}");
                return;
            }

            var committed = await WriteBodyAsync(context, session.Upload, cancellationToken)
                && await CommitAsync(context, session.Upload, digest, session.Upload as ILateDigestBlobUpload, cancellationToken);
            await _sessions.RemoveAsync(session);
            if (committed)
            {
                Created(context, route.Name, digest);
            }
        }
        finally
        {
            session.Gate.Release();
        }
    }

    private async Task CancelUploadAsync(HttpContext context, RegistryRoute route)
    {
        if (_sessions.Find(route.Name, route.Reference) is not { } session)
        {
            await FailAsync(context, RegistryErrorCode.BlobUploadUnknown, "upload unknown");
            return;
        }

        await _sessions.RemoveAsync(session);
        context.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    /// <summary>Streams the request body into <paramref name="upload"/>; false (answered) when the body was refused.</summary>
    private async Task<bool> WriteBodyAsync(HttpContext context, IBlobUpload upload, CancellationToken cancellationToken)
    {
        var before = upload.Offset;
        try
        {
            await upload.WriteAsync(context.Request.Body, cancellationToken);
            _metrics.AddBytesIn(upload.Offset - before);
            context.Items[BytesInKey] = upload.Offset - before;
            return true;
        }
        catch (SizeMismatchException e)
        {
            await FailAsync(context, RegistryErrorCode.SizeInvalid, e.Message);
            return false;
        }
    }

    /// <summary>Verifies and commits; false (answered) when the content is not <paramref name="digest"/>.</summary>
    private async Task<bool> CommitAsync(HttpContext context, IBlobUpload upload, Digest digest, ILateDigestBlobUpload? late, CancellationToken cancellationToken)
    {
        // Leased before the content is visible, so the GC cannot take a blob that already existed unreferenced.
        _leases.Touch(digest);
        try
        {
            var info = late is not null ? await late.CommitAsync(digest, null, cancellationToken) : await upload.CommitAsync(cancellationToken);
            if (info.Digest != digest)
            {
                await FailAsync(context, RegistryErrorCode.DigestInvalid, $"content is {info.Digest}, not {digest}");
                return false;
            }

            _leases.Touch(digest);
            if (!info.Existed)
            {
                // Just hashed on the way in: the first pull need not hash it again while the file stays as written.
                RememberVerified(digest);
            }

            return true;
        }
        catch (SizeMismatchException e)
        {
            await FailAsync(context, RegistryErrorCode.SizeInvalid, e.Message);
            return false;
        }
        catch (ContentVerificationException e)
        {
            await FailAsync(context, RegistryErrorCode.DigestInvalid, e.Message);
            return false;
        }
    }

    private void RememberVerified(Digest digest)
    {
        try
        {
            using var file = _blobs.Layout.OpenBlobFile(digest);
            _verified.Remember(digest, UntrustedFile.Stamp(file));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or BlobNotFoundException or UnsafeFileException)
        {
            // Only an optimisation: the first pull verifies it instead.
        }
    }

    private static void Created(HttpContext context, string name, Digest digest)
    {
        context.Response.StatusCode = StatusCodes.Status201Created;
        context.Response.Headers.Location = $"/v2/{name}/blobs/{digest.Value}";
        context.Response.Headers["Docker-Content-Digest"] = digest.Value;
        context.Response.ContentLength = 0;
    }

    private static void Accepted(HttpContext context, string name, UploadSession session)
    {
        context.Response.StatusCode = StatusCodes.Status202Accepted;
        context.Response.Headers.Location = UploadLocation(name, session);
        context.Response.Headers["Docker-Upload-UUID"] = session.Id;
        SetRange(context, session);
        context.Response.ContentLength = 0;
    }

    // Distribution answers "0-0" for an empty upload, and clients expect a Range header always.
    private static void SetRange(HttpContext context, UploadSession session) =>
        context.Response.Headers.Range = string.Create(CultureInfo.InvariantCulture, $"0-{Math.Max(0, session.Upload.Offset - 1)}");

    private static string UploadLocation(string name, UploadSession session) => $"/v2/{name}/blobs/uploads/{session.Id}";

    private long Now() => _clock.GetTimestamp();

    /// <summary><c>bytes=START-END</c>, <c>bytes=START-</c> or <c>bytes=-SUFFIX</c> of a blob of <paramref name="size"/> bytes.</summary>
    internal static bool TryParseRange(string header, long size, out long start, out long end)
    {
        start = end = 0;
        if (!header.StartsWith("bytes=", StringComparison.Ordinal) || header.Contains(',', StringComparison.Ordinal))
        {
            return false;
        }

        var spec = header[6..];
        var dash = spec.IndexOf('-', StringComparison.Ordinal);
        if (dash < 0)
        {
            return false;
        }

        var left = spec[..dash];
        var right = spec[(dash + 1)..];
        if (left.Length == 0)
        {
            if (!long.TryParse(right, NumberStyles.None, CultureInfo.InvariantCulture, out var suffix) || suffix == 0 || size == 0)
            {
                return false;
            }

            start = Math.Max(0, size - suffix);
            end = size - 1;
            return true;
        }

        if (!long.TryParse(left, NumberStyles.None, CultureInfo.InvariantCulture, out start) || start >= size)
        {
            return false;
        }

        if (right.Length == 0)
        {
            end = size - 1;
            return true;
        }

        if (!long.TryParse(right, NumberStyles.None, CultureInfo.InvariantCulture, out end) || end < start)
        {
            return false;
        }

        end = Math.Min(end, size - 1);
        return true;
    }

    /// <summary>A chunk's <c>Content-Range</c>: <c>START-END</c> (the spec's form) or <c>bytes START-END/*</c>.</summary>
    internal static bool TryParseContentRange(string header, out long first, out long last)
    {
        first = last = 0;
        var spec = header.StartsWith("bytes ", StringComparison.Ordinal) ? header[6..] : header;
        var slash = spec.IndexOf('/', StringComparison.Ordinal);
        if (slash >= 0)
        {
            spec = spec[..slash];
        }

        var dash = spec.IndexOf('-', StringComparison.Ordinal);
        return dash > 0
            && long.TryParse(spec[..dash], NumberStyles.None, CultureInfo.InvariantCulture, out first)
            && long.TryParse(spec[(dash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out last)
            && last >= first;
    }

    private static async Task SkipAsync(Stream stream, long count, CancellationToken cancellationToken)
    {
        if (stream.CanSeek)
        {
            stream.Seek(count, SeekOrigin.Current);
            return;
        }

        var buffer = new byte[1 << 16];
        while (count > 0)
        {
            var read = await stream.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, count)), cancellationToken);
            if (read == 0)
            {
                throw new EndOfStreamException("the blob is shorter than its size");
            }

            count -= read;
        }
    }

    /// <summary>
    /// Reads <paramref name="count"/> bytes straight into the response's pipe (one copy fewer than through a
    /// buffer and the body stream), flushing as it goes so memory stays bounded. With
    /// <paramref name="verifyBeforeLast"/> (a whole blob), the digest is checked before the last bytes are
    /// handed to the pipe, so a damaged blob never reaches a client complete: its response ends short.
    /// </summary>
    /// <summary>
    /// Sends <paramref name="count"/> bytes of <paramref name="source"/>; with <paramref name="verifyBeforeLast"/>
    /// the digest is checked, and with <paramref name="readEndBeforeLast"/> the source is read to its end
    /// (where a layer guard checks how the tar ends, and content too short for a header block such as a
    /// small gzip), before the last bytes go out: a bad blob never arrives whole.
    /// </summary>
    private static async Task SendAsync(Stream source, HttpResponse response, long count, VerifyingStream? verifyBeforeLast, CancellationToken cancellationToken, bool readEndBeforeLast = false)
    {
        var writer = response.BodyWriter;
        while (count > 0)
        {
            var memory = writer.GetMemory((int)Math.Min(1 << 18, count));
            var read = await source.ReadAsync(memory[..(int)Math.Min(memory.Length, count)], cancellationToken);
            if (read == 0)
            {
                throw new EndOfStreamException("the blob is shorter than its size");
            }

            count -= read;
            if (count == 0 && verifyBeforeLast is not null)
            {
                await verifyBeforeLast.VerifyToEndAsync(cancellationToken);
            }

            if (count == 0 && readEndBeforeLast && await source.ReadAsync(new byte[1], cancellationToken) != 0)
            {
                throw new InvalidDataException("the blob is longer than its size");
            }

            writer.Advance(read);
            var flushed = await writer.FlushAsync(cancellationToken);
            if (flushed.IsCanceled || flushed.IsCompleted)
            {
                return;
            }
        }
    }
}
