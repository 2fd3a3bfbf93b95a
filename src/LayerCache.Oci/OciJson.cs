using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace LayerCache.Oci;

/// <summary>
/// Serializes and parses OCI / Docker JSON documents through the source-generated
/// <see cref="OciJsonContext"/>. Output is compact, nulls are omitted, map keys are sorted, and
/// <c>+</c>, <c>&lt;</c>, <c>&gt;</c>, <c>&amp;</c> and non-ASCII are written literally, so media types read
/// naturally and documents from Go tools round-trip byte for byte when they hold no unknown fields.
/// Parsing validates what the spec requires and throws <see cref="OciFormatException"/> with a one-line
/// message naming the document and, when given, its source.
/// </summary>
public static class OciJson
{
    // Options passed to a context replace its [JsonSourceGenerationOptions] wholesale, so the
    // attribute's settings are repeated here.
    private static readonly OciJsonContext Context = new(new JsonSerializerOptions
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        RespectNullableAnnotations = true,
        WriteIndented = false,
        MaxDepth = 64,
    });

    /// <summary>The options of the context, for callers composing their own source-generated contexts.</summary>
    public static JsonSerializerOptions Options => Context.Options;

    /// <summary>Serializes a manifest.</summary>
    public static byte[] Serialize(ImageManifest manifest) => Serialize(manifest, Context.ImageManifest);

    /// <summary>Serializes an index.</summary>
    public static byte[] Serialize(ImageIndex index) => Serialize(index, Context.ImageIndex);

    /// <summary>Serializes an image config (for building new images; never to rewrite an existing config).</summary>
    public static byte[] Serialize(ImageConfig config) => Serialize(config, Context.ImageConfig);

    /// <summary>Serializes a descriptor.</summary>
    public static byte[] Serialize(Descriptor descriptor) => Serialize(descriptor, Context.Descriptor);

    /// <summary>Serializes a docker-archive <c>manifest.json</c>.</summary>
    public static byte[] Serialize(IEnumerable<DockerArchiveManifest> manifests) =>
        Serialize(manifests?.ToList() ?? throw new ArgumentNullException(nameof(manifests)), Context.ListDockerArchiveManifest);

    /// <summary>Serializes a manifest and digests the bytes.</summary>
    public static SerializedDocument SerializeWithDigest(ImageManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        return new SerializedDocument(manifest.MediaType ?? MediaType.OciImageManifest, Serialize(manifest));
    }

    /// <summary>Serializes an index and digests the bytes.</summary>
    public static SerializedDocument SerializeWithDigest(ImageIndex index)
    {
        ArgumentNullException.ThrowIfNull(index);
        return new SerializedDocument(index.MediaType ?? MediaType.OciImageIndex, Serialize(index));
    }

    /// <summary>Serializes an image config and digests the bytes.</summary>
    public static SerializedDocument SerializeWithDigest(ImageConfig config, string mediaType = MediaType.OciImageConfig) =>
        new(mediaType, Serialize(config));

    /// <summary>Parses and validates an image manifest.</summary>
    /// <exception cref="OciFormatException">Not a valid manifest.</exception>
    public static ImageManifest DeserializeManifest(ReadOnlySpan<byte> json, string? source = null)
    {
        var manifest = Deserialize(json, Context.ImageManifest, "image manifest", source);
        var where = Where("image manifest", source);
        CheckSchemaVersion(manifest.SchemaVersion, where);
        if (manifest.MediaType is not null && !MediaType.IsManifest(manifest.MediaType))
        {
            throw new OciFormatException($"{where}: mediaType \"{manifest.MediaType}\" is not an image manifest type");
        }

        CheckDescriptor(manifest.Config, where + ": config");
        for (var i = 0; i < manifest.Layers.Count; i++)
        {
            CheckDescriptor(manifest.Layers[i], $"{where}: layers[{i}]");
        }

        if (manifest.Subject is not null)
        {
            CheckDescriptor(manifest.Subject, where + ": subject");
        }

        return manifest;
    }

    /// <summary>Parses and validates an image index or manifest list.</summary>
    /// <exception cref="OciFormatException">Not a valid index.</exception>
    public static ImageIndex DeserializeIndex(ReadOnlySpan<byte> json, string? source = null)
    {
        var index = Deserialize(json, Context.ImageIndex, "image index", source);
        var where = Where("image index", source);
        CheckSchemaVersion(index.SchemaVersion, where);
        if (index.MediaType is not null && !MediaType.IsIndex(index.MediaType))
        {
            throw new OciFormatException($"{where}: mediaType \"{index.MediaType}\" is not an index type");
        }

        for (var i = 0; i < index.Manifests.Count; i++)
        {
            CheckDescriptor(index.Manifests[i], $"{where}: manifests[{i}]");
        }

        return index;
    }

    /// <summary>Parses an image config (for reading only: keep the original bytes as the blob).</summary>
    /// <exception cref="OciFormatException">Not a valid image config.</exception>
    public static ImageConfig DeserializeConfig(ReadOnlySpan<byte> json, string? source = null)
    {
        var config = Deserialize(json, Context.ImageConfig, "image config", source);
        if (config.RootFs is { } rootFs && rootFs.Type != "layers")
        {
            throw new OciFormatException($"{Where("image config", source)}: rootfs.type must be \"layers\", got \"{rootFs.Type}\"");
        }

        return config;
    }

    /// <summary>Parses and validates a descriptor.</summary>
    /// <exception cref="OciFormatException">Not a valid descriptor.</exception>
    public static Descriptor DeserializeDescriptor(ReadOnlySpan<byte> json, string? source = null)
    {
        var descriptor = Deserialize(json, Context.Descriptor, "descriptor", source);
        CheckDescriptor(descriptor, Where("descriptor", source));
        return descriptor;
    }

    /// <summary>Parses a docker-archive <c>manifest.json</c>.</summary>
    /// <exception cref="OciFormatException">Not a valid manifest.json.</exception>
    public static IReadOnlyList<DockerArchiveManifest> DeserializeDockerArchiveManifest(ReadOnlySpan<byte> json, string? source = null)
    {
        var list = Deserialize(json, Context.ListDockerArchiveManifest, "docker archive manifest.json", source);
        var where = Where("docker archive manifest.json", source);
        for (var i = 0; i < list.Count; i++)
        {
            if (list[i] is null)
            {
                throw new OciFormatException($"{where}: entry [{i}] is null");
            }

            if (list[i].Config.Length == 0 || list[i].Layers.Any(string.IsNullOrEmpty))
            {
                throw new OciFormatException($"{where}: entry [{i}] has an empty Config or Layers path");
            }
        }

        return list;
    }

    /// <summary>Parses a docker-archive <c>repositories</c> file: name → tag → legacy layer ID.</summary>
    /// <exception cref="OciFormatException">Not a valid repositories file.</exception>
    public static IReadOnlyDictionary<string, Dictionary<string, string>> DeserializeRepositories(ReadOnlySpan<byte> json, string? source = null) =>
        Deserialize(json, Context.DictionaryStringDictionaryStringString, "docker archive repositories", source);

    /// <summary>Serializes a docker-archive <c>repositories</c> file.</summary>
    public static byte[] SerializeRepositories(Dictionary<string, Dictionary<string, string>> repositories) =>
        Serialize(repositories, Context.DictionaryStringDictionaryStringString);

    /// <summary>Parses an <c>oci-layout</c> file.</summary>
    /// <exception cref="OciFormatException">Not a valid oci-layout file.</exception>
    public static OciLayoutHeader DeserializeLayoutHeader(ReadOnlySpan<byte> json, string? source = null) =>
        Deserialize(json, Context.OciLayoutHeader, "oci-layout", source);

    /// <summary>Serializes an <c>oci-layout</c> file.</summary>
    public static byte[] Serialize(OciLayoutHeader header) => Serialize(header, Context.OciLayoutHeader);

    /// <summary>
    /// The top-level <c>mediaType</c> of a JSON document without parsing the rest (null when absent or
    /// not an object), to tell a manifest from an index.
    /// </summary>
    public static string? PeekMediaType(ReadOnlySpan<byte> json)
    {
        try
        {
            var reader = new Utf8JsonReader(json);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isMediaType = reader.ValueTextEquals("mediaType"u8);
                reader.Read();
                if (isMediaType)
                {
                    return reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                }

                reader.Skip();
            }

            return null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static byte[] Serialize<T>(T value, JsonTypeInfo<T> typeInfo)
    {
        ArgumentNullException.ThrowIfNull(value);
        return JsonSerializer.SerializeToUtf8Bytes(value, typeInfo);
    }

    private static T Deserialize<T>(ReadOnlySpan<byte> json, JsonTypeInfo<T> typeInfo, string what, string? source)
    {
        try
        {
            return JsonSerializer.Deserialize(json, typeInfo) ?? throw new OciFormatException($"{Where(what, source)}: document is null");
        }
        catch (JsonException e)
        {
            var path = string.IsNullOrEmpty(e.Path) || e.Path == "$" ? string.Empty : $" at {e.Path}";
            throw new OciFormatException($"{Where(what, source)}: invalid JSON{path}: {FirstLine(e.Message)}", e);
        }
    }

    private static void CheckSchemaVersion(int schemaVersion, string where)
    {
        if (schemaVersion != 2)
        {
            throw new OciFormatException($"{where}: schemaVersion must be 2, got {schemaVersion}");
        }
    }

    private static void CheckDescriptor(Descriptor descriptor, string where)
    {
        if (descriptor.MediaType.Length == 0)
        {
            throw new OciFormatException($"{where}: mediaType is empty");
        }

        if (descriptor.Size < 0)
        {
            throw new OciFormatException($"{where}: size must not be negative, got {descriptor.Size}");
        }

        if (descriptor.Digest.IsEmpty)
        {
            throw new OciFormatException($"{where}: digest is missing");
        }
    }

    private static string Where(string what, string? source) => source is null ? what : $"{what} {source}";

    // System.Text.Json messages can span lines ("Path: $ | LineNumber: ..."); keep one line.
    private static string FirstLine(string message)
    {
        var newline = message.AsSpan().IndexOfAny('\r', '\n');
        return newline < 0 ? message : message[..newline];
    }
}
