using System.Globalization;
using System.Text.RegularExpressions;

namespace LayerCache.Docker.Build;

/// <summary>
/// Parses BuildKit's plain progress output (<c>DOCKER_BUILDKIT=1 docker build --progress=plain</c>).
/// Each line belongs to a vertex <c>#N</c>: a header (<c>#5 [build 2/4] RUN …</c>), a status
/// (<c>#5 CACHED</c>, <c>#5 DONE 0.3s</c>, <c>#5 ERROR: …</c>), a log line with its offset
/// (<c>#5 0.123 output</c>) or a progress item (<c>#8 writing image sha256:… done</c>). Vertices of
/// different steps interleave and a header is repeated when its vertex gets more updates.
/// Identical FROM vertices of several stages are merged by BuildKit and reported once, under one stage.
/// </summary>
public sealed partial class BuildKitOutputParser : IBuildOutputParser
{
    private readonly Dictionary<int, Vertex> _vertices = [];
    private readonly List<string> _tags = [];
    private readonly List<string> _trailer = [];
    private string? _imageId;
    private string? _error;
    private bool _singleStage = true;

    /// <inheritdoc/>
    public BuilderKind Builder => BuilderKind.BuildKit;

    /// <inheritdoc/>
    public void ProcessLine(string line, DateTimeOffset? receivedAt)
    {
        ArgumentNullException.ThrowIfNull(line);
        line = line.TrimEnd('\r');
        var match = VertexLine().Match(line);
        if (!match.Success)
        {
            // The error summary after the vertices: "------", " > [3/3] RUN …:", the message, "error: failed to solve: …".
            if (line.Trim().Length > 0 && line != "------" && !line.StartsWith(" > ", StringComparison.Ordinal))
            {
                _trailer.Add(line.Trim());
            }

            return;
        }

        var number = int.Parse(match.Groups["n"].ValueSpan, CultureInfo.InvariantCulture);
        var rest = match.Groups["rest"].Value;
        if (!_vertices.TryGetValue(number, out var vertex))
        {
            vertex = new Vertex(number, rest);
            _vertices.Add(number, vertex);
            var step = StepName().Match(rest);
            if (step.Success)
            {
                vertex.Step = CreateStep(number, step, receivedAt);
            }

            return;
        }

        if (rest == vertex.Name || (vertex.Step is not null && StepName().IsMatch(rest)) || (DigestLine().IsMatch(rest) && (vertex.Digest is null || vertex.Digest == rest)))
        {
            // A repeated header (a merged FROM is re-announced under another stage's label), or the
            // vertex digest line the 20.10 CLI prints under each header.
            vertex.Digest ??= rest;
            return;
        }

        ProcessVertexLine(vertex, rest, receivedAt);
    }

    /// <inheritdoc/>
    public BuildOutput Complete(DateTimeOffset? endedAt)
    {
        if (_error is null && _imageId is null && _trailer.Count > 0)
        {
            // The CLI's own error line ("ERROR: failed to solve: …", "ERROR: BuildKit is enabled but the
            // buildx component is missing or broken."), not whatever follows it (a help URL).
            _error = _trailer.LastOrDefault(l => l.StartsWith("error", StringComparison.OrdinalIgnoreCase)) ?? _trailer[^1];
        }

        // Vertex numbers follow the solver, not the Dockerfile (a RUN can be announced before the FROM
        // it runs on while that FROM pulls). Order steps by number within a stage, and stages by their
        // first non-FROM vertex: a merged FROM carries the label of whichever stage BuildKit picked.
        var stepVertices = _vertices.Values.Where(v => v.Step is not null).ToList();
        var stageRank = stepVertices
            .GroupBy(v => v.Step!.Stage ?? string.Empty, StringComparer.Ordinal)
            .ToDictionary(
                g => g.Key,
                g => g.Where(v => !IsFrom(v.Step!)).Select(v => v.Number).DefaultIfEmpty(g.Min(v => v.Number)).Min(),
                StringComparer.Ordinal);
        var steps = stepVertices
            .OrderBy(v => stageRank[v.Step!.Stage ?? string.Empty])
            .ThenBy(v => v.Step!.Number)
            .Select(v =>
            {
                var step = v.Step!;
                if (step.Duration is null && step.Status == BuildStepStatus.Incomplete && step.StartedAt is { } started && endedAt is { } ended)
                {
                    step.Duration = ended - started;
                }

                if (_singleStage && step.Stage is null)
                {
                    step.StageIndex = 0;
                }

                return step.ToResult();
            })
            .ToList();

        return new BuildOutput
        {
            Builder = BuilderKind.BuildKit,
            Steps = steps,
            ImageId = _imageId,
            Tags = _tags.ToList(),
            Error = _error,
        };
    }

    /// <summary>Parses a complete stored output (durations come from BuildKit's own DONE times).</summary>
    public static BuildOutput Parse(string output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var parser = new BuildKitOutputParser();
        foreach (var line in output.Split('\n'))
        {
            parser.ProcessLine(line, null);
        }

        return parser.Complete(null);
    }

    private StepBuilder CreateStep(int number, Match step, DateTimeOffset? receivedAt)
    {
        var stage = step.Groups["stage"].Success ? step.Groups["stage"].Value : null;
        int? stageIndex = null;
        if (stage is not null)
        {
            _singleStage = false;
            // BuildKit labels unnamed stages of a multi-stage build "stage-N", N being the stage index.
            if (stage.StartsWith("stage-", StringComparison.Ordinal)
                && int.TryParse(stage.AsSpan(6), NumberStyles.None, CultureInfo.InvariantCulture, out var index))
            {
                stageIndex = index;
            }
        }

        return new StepBuilder
        {
            Stage = stage,
            StageIndex = stageIndex,
            Number = int.Parse(step.Groups["i"].ValueSpan, CultureInfo.InvariantCulture),
            Total = int.Parse(step.Groups["total"].ValueSpan, CultureInfo.InvariantCulture),
            Instruction = step.Groups["instruction"].Value.Trim(),
            Vertex = number,
            StartedAt = receivedAt,
        };
    }

    private void ProcessVertexLine(Vertex vertex, string rest, DateTimeOffset? receivedAt)
    {
        var step = vertex.Step;
        if (rest == "CACHED")
        {
            if (step is not null)
            {
                step.Raise(BuildStepStatus.Cached);
                step.Duration ??= TimeSpan.Zero;
            }

            return;
        }

        var done = DoneLine().Match(rest);
        if (done.Success)
        {
            if (step is not null)
            {
                // A FROM vertex is DONE whenever BuildKit resolved the base image, even from the local store;
                // it did work only if it pulled (progress items seen), like the classic builder's FROM.
                step.Raise(IsFrom(step) && !vertex.Pulled ? BuildStepStatus.Cached : BuildStepStatus.Executed);
                // A vertex printed DONE twice (re-used later in the build) keeps its longest time.
                var seconds = TimeSpan.FromSeconds(double.Parse(done.Groups["s"].ValueSpan, CultureInfo.InvariantCulture));
                step.Duration = step.Duration is { } previous && previous > seconds ? previous : seconds;
            }

            return;
        }

        if (rest == "ERROR" || rest.StartsWith("ERROR: ", StringComparison.Ordinal))
        {
            var message = rest.Length > 7 ? rest[7..].Trim() : "failed";
            _error ??= message;
            if (step is not null)
            {
                step.Error = message;
                step.Raise(BuildStepStatus.Failed);
                if (step.StartedAt is { } started && receivedAt is { } now)
                {
                    step.Duration = now - started;
                }
            }

            return;
        }

        if (rest == "CANCELED")
        {
            return;
        }

        var log = LogLine().Match(rest);
        if (log.Success)
        {
            step?.Output.Add(log.Groups["text"].Value);
            return;
        }

        // Progress items of the export vertex: "writing image sha256:… done", "naming to … done".
        var writing = WritingImage().Match(rest);
        if (writing.Success)
        {
            _imageId = writing.Groups["id"].Value;
            return;
        }

        var naming = NamingTo().Match(rest);
        if (naming.Success)
        {
            // The exporter's vertex can print its "naming to" line twice (progress and DONE): a tag is one tag.
            if (!_tags.Contains(naming.Groups["name"].Value))
            {
                _tags.Add(naming.Groups["name"].Value);
            }
            return;
        }

        if (step is not null && IsFrom(step))
        {
            // "resolve docker.io/…", "sha256:… 1.2MB / 3.4MB", "extracting sha256:…": the base image was pulled.
            vertex.Pulled = true;
            step.Raise(BuildStepStatus.Executed);
        }
    }

    private static bool IsFrom(StepBuilder step) => step.Instruction.StartsWith("FROM ", StringComparison.OrdinalIgnoreCase);

    [GeneratedRegex(@"^#(?<n>\d+) (?<rest>.*)$")]
    private static partial Regex VertexLine();

    [GeneratedRegex(@"^\[(?:(?<stage>[^\]\s]+) )?(?<i>\d+)/(?<total>\d+)\] (?<instruction>.+)$")]
    private static partial Regex StepName();

    [GeneratedRegex(@"^DONE (?<s>\d+(?:\.\d+)?)s$")]
    private static partial Regex DoneLine();

    [GeneratedRegex(@"^\d+\.\d+ (?<text>.*)$")]
    private static partial Regex LogLine();

    [GeneratedRegex(@"^sha256:[0-9a-f]{64}$")]
    private static partial Regex DigestLine();

    [GeneratedRegex(@"^writing image (?<id>sha256:[0-9a-f]{64})(?: \d+(?:\.\d+)?s)?(?: done)?$")]
    private static partial Regex WritingImage();

    [GeneratedRegex(@"^naming to (?<name>\S+)(?: \d+(?:\.\d+)?s)?(?: done)?$")]
    private static partial Regex NamingTo();

    /// <summary>One BuildKit vertex: its first header, digest and, for Dockerfile steps, the step.</summary>
    private sealed class Vertex(int number, string name)
    {
        public int Number { get; } = number;

        public string Name { get; } = name;

        public string? Digest { get; set; }

        public bool Pulled { get; set; }

        public StepBuilder? Step { get; set; }
    }
}
