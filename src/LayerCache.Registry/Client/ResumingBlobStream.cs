using System.Net;
using System.Net.Http.Headers;

namespace LayerCache.Registry.Client;

/// <summary>
/// A blob's bytes over HTTP that survive a dropped connection: when a read fails (reset, premature end,
/// no byte for <see cref="RegistryClientOptions.StallTimeout"/>), the GET is sent again with
/// <c>Range: bytes=N-</c> from the last byte received, at most <see cref="RegistryClientOptions.MaxRetries"/>
/// times. A registry that ignores the range (200) is read past the bytes already passed on. Verification
/// is the job of the <see cref="Oci.VerifyingStream"/> around it.
/// </summary>
internal sealed class ResumingBlobStream : Stream
{
    private readonly RegistryTransport _transport;
    private readonly string _operation;
    private readonly Func<Uri, Uri> _address;
    private HttpResponseMessage? _response;
    private Stream? _body;
    private long _position;
    private bool _disposed;

    private ResumingBlobStream(RegistryTransport transport, string operation, Func<Uri, Uri> address)
    {
        _transport = transport;
        _operation = operation;
        _address = address;
    }

    /// <summary>How many times the transfer was resumed.</summary>
    public int Resumes { get; private set; }

    public override bool CanRead => !_disposed;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => _position;
        set => throw new NotSupportedException();
    }

    /// <summary>Sends the first GET; a missing blob or a refusal throws here, not on the first read.</summary>
    public static async Task<ResumingBlobStream> OpenAsync(RegistryTransport transport, string operation, Func<Uri, Uri> address, CancellationToken cancellationToken)
    {
        var stream = new ResumingBlobStream(transport, operation, address);
        try
        {
            await stream.ConnectAsync(cancellationToken);
            return stream;
        }
        catch
        {
            await stream.DisposeAsync();
            throw;
        }
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        while (true)
        {
            if (_body is null)
            {
                await ConnectAsync(cancellationToken);
            }

            using var stall = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            stall.CancelAfter(_transport.Options.StallTimeout);
            try
            {
                var read = await _body!.ReadAsync(buffer, stall.Token);
                _position += read;
                return read;
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested && e is IOException or HttpRequestException or OperationCanceledException)
            {
                Drop();
                Resumes++;
                if (Resumes > _transport.Options.MaxRetries)
                {
                    throw new RegistryException(RegistryErrorKind.Transient, $"{_operation}: the transfer broke off {Resumes} times, last at byte {_position}: {RegistryTransport.Describe(e)}", innerException: e);
                }

                _transport.Options.OnRetry?.Invoke($"{_operation}: the transfer broke off at byte {_position} ({RegistryTransport.Describe(e)}); resuming");
                var delay = _transport.Options.RetryDelay * Math.Pow(2, Resumes - 1) * (0.5 + Random.Shared.NextDouble());
                await Task.Delay(delay < _transport.Options.MaxRetryDelay ? delay : _transport.Options.MaxRetryDelay, cancellationToken);
            }
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) =>
        throw new NotSupportedException("a registry blob is read asynchronously");

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            _disposed = true;
            Drop();
        }

        base.Dispose(disposing);
    }

    private void Drop()
    {
        _body?.Dispose();
        _response?.Dispose();
        _body = null;
        _response = null;
    }

    private async Task ConnectAsync(CancellationToken cancellationToken)
    {
        var offset = _position;
        var response = await _transport.OpenAsync(
            _operation,
            baseUri =>
            {
                var request = new HttpRequestMessage(HttpMethod.Get, _address(baseUri));
                if (offset > 0)
                {
                    request.Headers.Range = new RangeHeaderValue(offset, null);
                }

                return request;
            },
            r => r.StatusCode == HttpStatusCode.OK || (offset > 0 && r.StatusCode == HttpStatusCode.PartialContent),
            cancellationToken);
        try
        {
            var body = await response.Content.ReadAsStreamAsync(cancellationToken);
            if (response.StatusCode == HttpStatusCode.PartialContent)
            {
                if (response.Content.Headers.ContentRange is not { From: { } from } || from != offset)
                {
                    throw new RegistryException(RegistryErrorKind.Invalid, $"{_operation}: asked to resume at byte {offset}, the registry sent {response.Content.Headers.ContentRange}");
                }
            }
            else if (offset > 0)
            {
                // The whole blob again: pass over what was already read.
                var skip = new byte[81920];
                var left = offset;
                while (left > 0)
                {
                    var read = await body.ReadAsync(skip.AsMemory(0, (int)Math.Min(skip.Length, left)), cancellationToken);
                    if (read == 0)
                    {
                        throw new IOException($"the blob ended at byte {offset - left} while skipping to byte {offset}");
                    }

                    left -= read;
                }
            }

            _response = response;
            _body = body;
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }
}
