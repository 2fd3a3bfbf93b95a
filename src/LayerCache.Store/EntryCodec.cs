using System.Globalization;
using System.Text.Json;
using LayerCache.Oci;

namespace LayerCache.Store;

/// <summary>Converts a <see cref="CacheEntry"/> to and from its OCI image index blob (see <see cref="StoreAnnotations"/>).</summary>
internal static class EntryCodec
{
    /// <summary>The entry index document for a validated entry whose stages are filled in.</summary>
    public static ImageIndex ToIndex(CacheEntry entry)
    {
        var annotations = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [StoreAnnotations.Format] = StoreAnnotations.CurrentFormat,
            [StoreAnnotations.Scope] = entry.Scope.Value,
            [StoreAnnotations.Created] = Rfc3339JsonConverter.Format(entry.Created),
            [StoreAnnotations.Key] = entry.Key.Value,
            [StoreAnnotations.BaseImages] = SerializeMap(entry.BaseImages),
            [StoreAnnotations.BaseManifests] = SerializeMap(entry.BaseImageManifests),
            [StoreAnnotations.KeyFiles] = SerializeMap(entry.KeyFiles),
        };
        if (entry.DockerfileDigest is { } dockerfile)
        {
            annotations[StoreAnnotations.Dockerfile] = dockerfile.Value;
        }

        if (entry.BuildArgsDigest is { } buildArgs)
        {
            annotations[StoreAnnotations.BuildArgs] = buildArgs.Value;
        }

        if (entry.Builder is { } builder)
        {
            annotations[StoreAnnotations.Builder] = builder;
        }

        if (entry.Target is { } target)
        {
            annotations[StoreAnnotations.Target] = target;
        }

        if (entry.InputsDigest is { } inputs && entry.InputsTarget is { } inputsTarget)
        {
            annotations[StoreAnnotations.Inputs] = inputs.Value;
            annotations[StoreAnnotations.InputsTarget] = inputsTarget;
        }

        annotations[StoreAnnotations.ImageDockerfile] = entry.Image.Dockerfile;
        if (entry.Image.Target is { } imageTarget)
        {
            annotations[StoreAnnotations.ImageTarget] = imageTarget;
        }

        if (entry.Image.Platform is { } platform)
        {
            annotations[StoreAnnotations.ImagePlatform] = platform;
        }

        if (entry.StepSeconds.Count > 0)
        {
            var sorted = new SortedDictionary<string, string>(StringComparer.Ordinal);
            foreach (var (step, seconds) in entry.StepSeconds)
            {
                sorted[step] = seconds.ToString("0.###", CultureInfo.InvariantCulture);
            }

            annotations[StoreAnnotations.StepSeconds] = JsonSerializer.Serialize(sorted, StoreJsonContext.Default.SortedDictionaryStringString);
        }

        var manifests = entry.Stages.Select(stage =>
        {
            var stageAnnotations = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                [StoreAnnotations.Stage] = stage.Name,
                [StoreAnnotations.ImageId] = stage.ConfigDigest.Value,
                [StoreAnnotations.Size] = stage.Size.ToString(CultureInfo.InvariantCulture),
                [StoreAnnotations.Layers] = SerializeLayers(stage.Layers),
            };
            if (stage.Layers.Any(l => l.Stored.GetAnnotation(StoreAnnotations.LayerTarSize) is not null))
            {
                // Beside the layers rows, not in them: readers of format 2 require rows of exactly four.
                stageAnnotations[StoreAnnotations.LayerTarSize] = JsonSerializer.Serialize(
                    stage.Layers.Select(l => l.Stored.GetAnnotation(StoreAnnotations.LayerTarSize) ?? string.Empty).ToList(), StoreJsonContext.Default.ListString);
            }

            return new Descriptor
            {
                MediaType = stage.ManifestMediaType,
                Digest = stage.ManifestDigest,
                Size = stage.ManifestSize,
                Platform = stage.Platform,
                Annotations = stageAnnotations,
            };
        }).ToList();

        return new ImageIndex { MediaType = MediaType.OciImageIndex, Manifests = manifests, Annotations = annotations };
    }

    /// <summary>Reads an entry index; <paramref name="source"/> (the blob path) names it in errors.</summary>
    /// <exception cref="StoreCorruptException">The index is not an entry of a format this version reads.</exception>
    public static CacheEntry FromIndex(ImageIndex index, Digest id, string source)
    {
        var annotations = index.Annotations ?? new Dictionary<string, string>();
        string Required(string key) =>
            annotations.TryGetValue(key, out var value) ? value : throw new StoreCorruptException(source, $"entry index lacks annotation {key}", null);

        try
        {
            var format = Required(StoreAnnotations.Format);
            if (format is not (StoreAnnotations.CurrentFormat or StoreAnnotations.PreviousFormat))
            {
                throw new StoreCorruptException(source, $"entry format \"{format}\" is not supported (expected {StoreAnnotations.CurrentFormat} or {StoreAnnotations.PreviousFormat})", null);
            }

            if (!Rfc3339JsonConverter.TryParse(Required(StoreAnnotations.Created), out var created))
            {
                throw new StoreCorruptException(source, $"annotation {StoreAnnotations.Created} is not an RFC 3339 time", null);
            }

            var stages = index.Manifests.Select(d => new StageImage
            {
                Name = d.GetAnnotation(StoreAnnotations.Stage)
                    ?? throw new StoreCorruptException(source, $"manifest {d.Digest} lacks annotation {StoreAnnotations.Stage}", null),
                ManifestDigest = d.Digest,
                ManifestMediaType = d.MediaType,
                ManifestSize = d.Size,
                ConfigDigest = Digest.Parse(d.GetAnnotation(StoreAnnotations.ImageId)
                    ?? throw new StoreCorruptException(source, $"manifest {d.Digest} lacks annotation {StoreAnnotations.ImageId}", null)),
                Size = long.Parse(d.GetAnnotation(StoreAnnotations.Size) ?? "0", NumberStyles.None, CultureInfo.InvariantCulture),
                Platform = d.Platform,
                Layers = WithTarSizes(ParseLayers(d.GetAnnotation(StoreAnnotations.Layers)), d.GetAnnotation(StoreAnnotations.LayerTarSize)),
            }).ToList();

            return new CacheEntry
            {
                Id = id,
                Scope = CacheScope.Parse(Required(StoreAnnotations.Scope)),
                Created = created.ToUniversalTime(),
                LastUsed = created.ToUniversalTime(),
                Key = Digest.Parse(Required(StoreAnnotations.Key)),
                BaseImages = ParseMap(annotations.GetValueOrDefault(StoreAnnotations.BaseImages)),
                BaseImageManifests = ParseMap(annotations.GetValueOrDefault(StoreAnnotations.BaseManifests)),
                KeyFiles = ParseMap(annotations.GetValueOrDefault(StoreAnnotations.KeyFiles)),
                DockerfileDigest = ParseOptionalDigest(annotations.GetValueOrDefault(StoreAnnotations.Dockerfile)),
                BuildArgsDigest = ParseOptionalDigest(annotations.GetValueOrDefault(StoreAnnotations.BuildArgs)),
                Builder = annotations.GetValueOrDefault(StoreAnnotations.Builder),
                Target = annotations.GetValueOrDefault(StoreAnnotations.Target),
                Image = new ImageIdentity(
                    annotations.GetValueOrDefault(StoreAnnotations.ImageDockerfile) ?? ImageIdentity.Default.Dockerfile,
                    annotations.GetValueOrDefault(StoreAnnotations.ImageTarget),
                    annotations.GetValueOrDefault(StoreAnnotations.ImagePlatform)),
                StepSeconds = ParseSeconds(annotations.GetValueOrDefault(StoreAnnotations.StepSeconds)),
                InputsDigest = ParseOptionalDigest(annotations.GetValueOrDefault(StoreAnnotations.Inputs)),
                InputsTarget = annotations.GetValueOrDefault(StoreAnnotations.InputsTarget),
                Stages = stages,
            };
        }
        catch (Exception e) when (e is FormatException or JsonException or OverflowException)
        {
            throw new StoreCorruptException(source, $"entry index has an invalid annotation: {e.Message}", e);
        }
    }

    private static string SerializeLayers(IReadOnlyList<LayerRecord> layers)
    {
        var rows = layers.Select(l => new[]
        {
            l.DiffId.Digest.Value,
            l.IsUncompressed ? string.Empty : l.Stored.Digest.Value,
            l.Stored.Size.ToString(CultureInfo.InvariantCulture),
            l.Stored.MediaType,
        }).ToList();
        return JsonSerializer.Serialize(rows, StoreJsonContext.Default.ListStringArray);
    }

    // Format 1 entries have no index: their layers are found through the manifest when needed.
    private static List<LayerRecord> ParseLayers(string? json)
    {
        if (string.IsNullOrEmpty(json))
        {
            return [];
        }

        var rows = JsonSerializer.Deserialize(json, StoreJsonContext.Default.ListStringArray)
            ?? throw new JsonException("layers annotation is null");
        return [.. rows.Select(row =>
        {
            if (row is not { Length: 4 })
            {
                throw new FormatException("a layers row is not [diffId, digest, size, mediaType]");
            }

            var diffId = DiffId.Parse(row[0]);
            var stored = row[1].Length == 0 ? diffId.Digest : Digest.Parse(row[1]);
            var size = long.Parse(row[2], NumberStyles.None, CultureInfo.InvariantCulture);
            return new LayerRecord(diffId, new Descriptor { MediaType = row[3], Digest = stored, Size = size });
        })];
    }

    /// <summary>
    /// The layers with each compressed one's tar size put back on its descriptor. Only a hint (a wrong size
    /// costs a second export), so anything malformed is ignored rather than failing the entry.
    /// </summary>
    private static List<LayerRecord> WithTarSizes(List<LayerRecord> layers, string? json)
    {
        if (string.IsNullOrEmpty(json))
        {
            return layers;
        }

        List<string>? sizes;
        try
        {
            sizes = JsonSerializer.Deserialize(json, StoreJsonContext.Default.ListString);
        }
        catch (JsonException)
        {
            return layers;
        }

        if (sizes is null || sizes.Count != layers.Count)
        {
            return layers;
        }

        return [.. layers.Select((layer, i) => sizes[i] is { Length: > 0 and <= 19 } size && long.TryParse(size, NumberStyles.None, CultureInfo.InvariantCulture, out _)
            ? layer with { Stored = layer.Stored with { Annotations = new Dictionary<string, string>(StringComparer.Ordinal) { [StoreAnnotations.LayerTarSize] = size } } }
            : layer)];
    }

    private static Dictionary<string, double> ParseSeconds(string? json)
    {
        var result = new Dictionary<string, double>(StringComparer.Ordinal);
        if (string.IsNullOrEmpty(json))
        {
            return result;
        }

        var map = JsonSerializer.Deserialize(json, StoreJsonContext.Default.SortedDictionaryStringString)
            ?? throw new JsonException("step-seconds annotation is null");
        foreach (var (step, seconds) in map)
        {
            result[step] = double.Parse(seconds, NumberStyles.Float, CultureInfo.InvariantCulture);
        }

        return result;
    }

    private static string SerializeMap(IReadOnlyDictionary<string, Digest> map)
    {
        var sorted = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in map)
        {
            sorted[key] = value.Value;
        }

        return JsonSerializer.Serialize(sorted, StoreJsonContext.Default.SortedDictionaryStringString);
    }

    private static Dictionary<string, Digest> ParseMap(string? json)
    {
        var result = new Dictionary<string, Digest>(StringComparer.Ordinal);
        if (string.IsNullOrEmpty(json))
        {
            return result;
        }

        var map = JsonSerializer.Deserialize(json, StoreJsonContext.Default.SortedDictionaryStringString)
            ?? throw new JsonException("map annotation is null");
        foreach (var (key, value) in map)
        {
            result[key] = Digest.Parse(value);
        }

        return result;
    }

    private static Digest? ParseOptionalDigest(string? value) => value is null ? null : Digest.Parse(value);
}
