using System.Text;

namespace LayerCache.Docker.Tests;

public sealed class JsonMessageReaderTests
{
    [Fact]
    public void Parses_stream_status_progress_aux_and_error_messages()
    {
        var stream = JsonMessageReader.Parse("""{"stream":"Step 1/2 : FROM busybox\n"}""");
        Assert.Equal("Step 1/2 : FROM busybox\n", stream.Stream);
        Assert.False(stream.IsError);

        var status = JsonMessageReader.Parse("""{"status":"Pushing","progressDetail":{"current":512,"total":2048},"progress":"[==>   ]","id":"d70a03e78031"}""");
        Assert.Equal("Pushing", status.Status);
        Assert.Equal("d70a03e78031", status.Id);
        Assert.Equal(512, status.Current);
        Assert.Equal(2048, status.Total);
        Assert.Equal("[==>   ]", status.Progress);

        var aux = JsonMessageReader.Parse("""{"progressDetail":{},"aux":{"Tag":"1","Digest":"sha256:aa","Size":527}}""");
        Assert.Equal("1", aux.Aux?.GetProperty("Tag").GetString());
        Assert.Null(aux.Current);

        var error = JsonMessageReader.Parse("""{"errorDetail":{"code":1,"message":"manifest unknown"},"error":"legacy text"}""");
        Assert.True(error.IsError);
        Assert.Equal("manifest unknown", error.Error);
        Assert.Equal(1, error.ErrorCode);

        var legacyError = JsonMessageReader.Parse("""{"error":"only the legacy field"}""");
        Assert.Equal("only the legacy field", legacyError.Error);
    }

    [Fact]
    public void A_line_that_is_not_json_becomes_stream_text()
    {
        var message = JsonMessageReader.Parse("plain text from a proxy");
        Assert.Equal("plain text from a proxy", message.Stream);
        Assert.False(message.IsError);
    }

    [Fact]
    public async Task Reads_crlf_separated_lines_and_skips_blank_ones()
    {
        var body = "{\"status\":\"a\"}\r\n\r\n{\"status\":\"b\"}\r\n{\"stream\":\"c\"}";
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(body));
        var messages = new List<JsonMessage>();
        await foreach (var m in JsonMessageReader.ReadAllAsync(stream, CancellationToken.None))
        {
            messages.Add(m);
        }

        Assert.Equal(["a", "b", null], messages.Select(m => m.Status));
        Assert.Equal("c", messages[2].Stream);
    }
}
