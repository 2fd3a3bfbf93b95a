using System.Text.Json;
using System.Text.Json.Serialization;

namespace LayerCache.Oci;

/// <summary>Reads and writes a <see cref="DiffId"/> as its digest string, also as a dictionary key.</summary>
public sealed class DiffIdJsonConverter : JsonConverter<DiffId>
{
    /// <inheritdoc/>
    public override DiffId Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            throw new JsonException($"expected a diff_id digest string, got {reader.TokenType}");
        }

        return Parse(reader.GetString());
    }

    /// <inheritdoc/>
    public override void Write(Utf8JsonWriter writer, DiffId value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStringValue(value.Digest.Value);
    }

    /// <inheritdoc/>
    public override DiffId ReadAsPropertyName(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        Parse(reader.GetString());

    /// <inheritdoc/>
    public override void WriteAsPropertyName(Utf8JsonWriter writer, DiffId value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WritePropertyName(value.Digest.Value);
    }

    private static DiffId Parse(string? text) =>
        Digest.TryParse(text, out var digest, out var error) ? DiffId.FromDigest(digest) : throw new JsonException(error);
}
