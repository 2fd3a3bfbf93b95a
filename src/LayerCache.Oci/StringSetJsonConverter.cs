using System.Text.Json;
using System.Text.Json.Serialization;

namespace LayerCache.Oci;

/// <summary>
/// Reads and writes a Go <c>map[string]struct{}</c> (such as <c>ExposedPorts</c> or <c>Volumes</c>:
/// <c>{"80/tcp":{}}</c>) as a list of its keys, written in ordinal order like Go.
/// </summary>
public sealed class StringSetJsonConverter : JsonConverter<IReadOnlyList<string>>
{
    /// <inheritdoc/>
    public override IReadOnlyList<string> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException($"expected an object whose keys form a set, got {reader.TokenType}");
        }

        var result = new List<string>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            result.Add(reader.GetString()!);
            reader.Read();

            // The values are empty structs by convention; any value is skipped rather than rejected.
            reader.Skip();
        }

        return result;
    }

    /// <inheritdoc/>
    public override void Write(Utf8JsonWriter writer, IReadOnlyList<string> value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(value);
        writer.WriteStartObject();
        foreach (var key in value.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            writer.WritePropertyName(key);
            writer.WriteStartObject();
            writer.WriteEndObject();
        }

        writer.WriteEndObject();
    }
}
