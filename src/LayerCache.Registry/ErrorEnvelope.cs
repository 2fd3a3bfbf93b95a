using System.Net;
using System.Text;
using System.Text.Json;

namespace LayerCache.Registry;

/// <summary>
/// The distribution API's error body, <c>{"errors":[{"code","message","detail"}]}</c>: parsed leniently
/// (an answer is untrusted input: a proxy's HTML page or a truncated body yields no entries, never an
/// exception) and written for a server.
/// </summary>
public static class ErrorEnvelope
{
    /// <summary>The most bytes of an error body read; the rest is ignored.</summary>
    public const int MaxBodyBytes = 64 * 1024;

    /// <summary>The entries in <paramref name="body"/>; empty when it is not an error envelope.</summary>
    public static IReadOnlyList<RegistryError> Parse(ReadOnlySpan<byte> body)
    {
        if (body.IsEmpty || body.Length > MaxBodyBytes)
        {
            return [];
        }

        try
        {
            var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 16, CommentHandling = JsonCommentHandling.Skip });
            using var document = JsonDocument.ParseValue(ref reader);
            if (document.RootElement.ValueKind != JsonValueKind.Object
                || !document.RootElement.TryGetProperty("errors", out var errors)
                || errors.ValueKind != JsonValueKind.Array)
            {
                return [];
            }

            var result = new List<RegistryError>();
            foreach (var entry in errors.EnumerateArray())
            {
                if (entry.ValueKind != JsonValueKind.Object
                    || !entry.TryGetProperty("code", out var code) || code.ValueKind != JsonValueKind.String
                    || code.GetString() is not { Length: > 0 } codeText)
                {
                    continue;
                }

                var message = entry.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : null;
                var detail = entry.TryGetProperty("detail", out var d) && d.ValueKind is not (JsonValueKind.Null or JsonValueKind.Undefined) ? d.GetRawText() : null;
                result.Add(new RegistryError(Truncate(codeText, 64), message is null ? null : Truncate(message, 512), detail is null ? null : Truncate(detail, 1024)));
                if (result.Count == 16)
                {
                    break;
                }
            }

            return result;
        }
        catch (JsonException)
        {
            return [];
        }
    }

    /// <summary>
    /// The classification of a failed answer: the first entry with a known code decides; without one, the status does.
    /// </summary>
    public static RegistryErrorKind Classify(HttpStatusCode status, IReadOnlyList<RegistryError> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        foreach (var error in errors)
        {
            if (error.KnownCode is { } known)
            {
                // A 5xx or 429 stays transient whatever code a proxy dressed it in.
                return (int)status is 429 or >= 500 ? RegistryErrorKind.Transient : known.Kind;
            }
        }

        return RegistryErrorCode.KindOf(status);
    }

    /// <summary>The envelope for <paramref name="errors"/>, as UTF-8 JSON (for a server's answers).</summary>
    public static byte[] Serialize(IEnumerable<RegistryError> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteStartArray("errors");
            foreach (var error in errors)
            {
                writer.WriteStartObject();
                writer.WriteString("code", error.Code);
                writer.WriteString("message", error.Message ?? string.Empty);
                if (error.Detail is { } detail)
                {
                    writer.WritePropertyName("detail");
                    writer.WriteRawValue(detail);
                }

                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }

    /// <summary>A one-line summary for a message: <c>MANIFEST_UNKNOWN: manifest unknown; …</c>.</summary>
    public static string Describe(IReadOnlyList<RegistryError> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        var text = new StringBuilder();
        foreach (var error in errors.Take(3))
        {
            if (text.Length > 0)
            {
                text.Append("; ");
            }

            text.Append(error);
        }

        return text.ToString().ReplaceLineEndings(" ");
    }

    private static string Truncate(string text, int max) => text.Length <= max ? text : text[..max] + "…";
}
