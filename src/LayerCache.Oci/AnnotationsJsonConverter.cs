using System.Text.Json;
using System.Text.Json.Serialization;

namespace LayerCache.Oci;

/// <summary>
/// Reads a JSON object of strings and writes it with keys in ordinal order, as Go's encoding/json
/// does for maps: the serialized form (and so the digest) of a document does not depend on the order
/// in which a caller filled its annotations, and documents written by Go tools round-trip byte for byte.
/// </summary>
public sealed class AnnotationsJsonConverter : JsonConverter<IReadOnlyDictionary<string, string>>
{
    /// <inheritdoc/>
    public override IReadOnlyDictionary<string, string> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException($"expected an object of strings, got {reader.TokenType}");
        }

        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var key = reader.GetString()!;
            reader.Read();
            if (reader.TokenType != JsonTokenType.String)
            {
                throw new JsonException($"value of \"{key}\" must be a string, got {reader.TokenType}");
            }

            // Last one wins on duplicate keys, like Go.
            result[key] = reader.GetString()!;
        }

        return result;
    }

    /// <inheritdoc/>
    public override void Write(Utf8JsonWriter writer, IReadOnlyDictionary<string, string> value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(value);
        writer.WriteStartObject();
        foreach (var pair in value.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            writer.WriteString(pair.Key, pair.Value);
        }

        writer.WriteEndObject();
    }
}
