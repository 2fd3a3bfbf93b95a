using System.Net.Http.Headers;
using System.Text;
using LayerCache.Store;

namespace LayerCache.Server.Tests;

/// <summary>An HTTP client of a bridge, presenting <c>token</c> as the engine does (Basic, any user name), or nothing.</summary>
internal static class BridgeClient
{
    public static HttpClient Create(IStoreBridge bridge, string? token)
    {
        var client = new HttpClient { BaseAddress = new Uri("http://" + bridge.Repository[..bridge.Repository.IndexOf('/', StringComparison.Ordinal)] + "/") };
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("layercache:" + token)));
        }

        return client;
    }
}
