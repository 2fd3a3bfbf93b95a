using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using LayerCache.Oci;

namespace LayerCache.Core.Reports;

/// <summary>
/// <c>--metadata-file PATH</c>, as buildx means it: a JSON object describing the build's result. Where
/// docker writes it (<c>docker build</c> is buildx: docker 23+ with the plugin), the flag goes to docker
/// unchanged and layercache merges its own keys into docker's file afterwards, never replacing one of
/// docker's. Where docker would refuse the flag (the legacy builder and docker 20.10's BuildKit have
/// none), layercache keeps it from docker and writes the file itself with the keys the two share:
/// <c>containerimage.config.digest</c> (the image id), <c>containerimage.digest</c> (only when the image
/// has a manifest digest), <c>image.name</c> (the <c>-t</c> names, comma-separated). Its own summary is
/// under <see cref="LayerCacheKey"/>. <c>buildx.build.ref</c> names a buildx build record, which a
/// build without buildx does not have, so it is never invented.
/// </summary>
public static class BuildMetadataFile
{
    /// <summary>The flag.</summary>
    public const string Flag = "--metadata-file";

    /// <summary>The key of layercache's own object in the file.</summary>
    public const string LayerCacheKey = "layercache";

    /// <summary>A file docker wrote that is larger than this is not merged into (it is left as docker wrote it).</summary>
    public const int MaxDockerFileBytes = 4 * 1024 * 1024;

    /// <summary>The last <c>--metadata-file</c> of the target build's flags (as cobra takes it) and the flags without any.</summary>
    public static (string? Path, IReadOnlyList<string> Others) Take(IReadOnlyList<string> targetOnly)
    {
        ArgumentNullException.ThrowIfNull(targetOnly);
        string? path = null;
        var rest = new List<string>();
        for (var i = 0; i < targetOnly.Count; i++)
        {
            var word = targetOnly[i];
            if (word == Flag && i + 1 < targetOnly.Count)
            {
                path = targetOnly[++i];
            }
            else if (word.StartsWith(Flag + "=", StringComparison.Ordinal))
            {
                path = word[(Flag.Length + 1)..];
            }
            else
            {
                rest.Add(word);
            }
        }

        return (string.IsNullOrEmpty(path) ? null : path, rest);
    }

    /// <summary>
    /// Adds layercache's keys to <paramref name="document"/> (docker's object, or a new one): a key
    /// docker wrote keeps docker's value.
    /// </summary>
    public static JsonObject Merge(JsonObject? document, RunReport report, IReadOnlyList<string> tags)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(tags);
        var result = document ?? [];
        var build = report.Build;
        AddIfMissing(result, "containerimage.config.digest", build?.ImageId);
        AddIfMissing(result, "containerimage.digest", build?.ImageDigest);
        AddIfMissing(result, "image.name", tags.Count > 0 ? string.Join(',', tags) : null);

        var stages = new JsonObject();
        foreach (var stage in build?.Stages ?? [])
        {
            stages[stage.Stage] = stage.ImageId;
        }

        result[LayerCacheKey] = new JsonObject
        {
            ["schemaVersion"] = ReportSchema.Version,
            ["key"] = report.Key,
            ["scope"] = report.Scope,
            ["target"] = report.Target,
            ["builder"] = build?.Builder,
            ["restoreHit"] = report.Restore?.Hit,
            ["restoredEntry"] = report.Restore?.Entry,
            ["savedEntry"] = report.Save is { Saved: true } save ? save.Entry : null,
            ["stepsCached"] = build?.StepsCached,
            ["stepsExecuted"] = build?.StepsExecuted,
            ["secondsSaved"] = build?.SecondsSaved,
            ["stages"] = stages,
        };
        return result;
    }

    /// <summary>Writes <paramref name="document"/> (from <see cref="Merge"/>) to <paramref name="path"/> atomically: a reader sees docker's file or the merged one, never half of one.</summary>
    /// <exception cref="IOException">The file cannot be written.</exception>
    public static async Task WriteAsync(string path, JsonObject document, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(document);
        var full = Path.GetFullPath(path);
        var json = document.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";
        await AtomicFile.WriteAsync(full, Encoding.UTF8.GetBytes(json), Path.GetDirectoryName(full)!, cancellationToken);
    }

    /// <summary>The object docker wrote at <paramref name="path"/>, or null when there is none (or it is not a JSON object, or too large to be docker's).</summary>
    public static async Task<JsonObject?> ReadDockerAsync(string path, CancellationToken cancellationToken)
    {
        try
        {
            var (kind, size) = UntrustedFile.Describe(path);
            if (kind != FileKind.File || size > MaxDockerFileBytes)
            {
                return null;
            }

            await using var file = UntrustedFile.OpenRead(path);
            return await JsonNode.ParseAsync(file, cancellationToken: cancellationToken) as JsonObject;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException or UnsafeFileException)
        {
            return null;
        }
    }

    private static void AddIfMissing(JsonObject document, string key, string? value)
    {
        if (value is not null && !document.ContainsKey(key))
        {
            document[key] = value;
        }
    }
}
