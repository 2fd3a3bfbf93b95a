using System.Net.Sockets;
using System.Text;

namespace LayerCache.Testing;

/// <summary>
/// A web server's answer on a loopback listener, for tests of an engine address where something
/// other than a Docker engine answers (an HTML page, whatever the request).
/// </summary>
public static class HtmlPageServer
{
    /// <summary>Accepts one connection, reads its request head and answers <paramref name="status"/> with <paramref name="body"/> as text/html.</summary>
    public static async Task ServeOneAsync(TcpListener listener, string status, string body, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(listener);
        using var socket = await listener.AcceptSocketAsync(cancellationToken);
        await using var stream = new NetworkStream(socket);
        var buffer = new byte[8192];
        var request = new StringBuilder();
        while (!request.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
        {
            var read = await stream.ReadAsync(buffer, cancellationToken);
            if (read == 0)
            {
                return;
            }

            request.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }

        var bytes = Encoding.UTF8.GetBytes(body);
        var head = $"HTTP/1.1 {status}\r\nContent-Type: text/html\r\nContent-Length: {bytes.Length}\r\nConnection: close\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head), cancellationToken);
        await stream.WriteAsync(bytes, cancellationToken);
    }
}
