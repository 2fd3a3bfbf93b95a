using System.Net.Sockets;
using System.Text;

namespace LayerCache.Server.Tests;

/// <summary>
/// Sends a request line exactly as written (HttpClient would normalize <c>..</c> and escapes away),
/// for the path tricks a hostile client sends. Returns the status code.
/// </summary>
public static class RawHttp
{
    public static async Task<(int Status, string Response)> SendAsync(Uri server, string method, string target)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(server.Host, server.Port);
        await using var stream = client.GetStream();
        var request = $"{method} {target} HTTP/1.1\r\nHost: {server.Host}:{server.Port}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var response = await reader.ReadToEndAsync();
        var status = int.Parse(response.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        return (status, response);
    }
}
