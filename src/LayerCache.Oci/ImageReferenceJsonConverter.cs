using System.Text.Json;
using System.Text.Json.Serialization;

namespace LayerCache.Oci;

/// <summary>Reads and writes an <see cref="ImageReference"/> as its canonical string, validating on read.</summary>
public sealed class ImageReferenceJsonConverter : JsonConverter<ImageReference>
{
    /// <inheritdoc/>
    public override ImageReference Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            throw new JsonException($"expected an image reference string, got {reader.TokenType}");
        }

        var text = reader.GetString();
        return ImageReference.TryParse(text, out var reference, out var error) ? reference : throw new JsonException(error);
    }

    /// <inheritdoc/>
    public override void Write(Utf8JsonWriter writer, ImageReference value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStringValue(value.ToString());
    }
}
