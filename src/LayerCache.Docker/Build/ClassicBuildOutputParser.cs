using System.Text.RegularExpressions;

namespace LayerCache.Docker.Build;

/// <summary>
/// Parses the classic builder's output (<c>DOCKER_BUILDKIT=0 docker build</c>):
/// <c>Step 3/9 : RUN …</c> starts a step (a FROM step starts a stage), <c> ---> Using cache</c> marks a
/// cache hit, <c> ---> Running in abc</c> a run, <c> ---> 1a2b3c4d5e6f</c> the step's image, and
/// <c>Successfully built</c>/<c>Successfully tagged</c> the result. A step lasts from its Step line to
/// the next Step line (or the end of the build).
/// </summary>
public sealed partial class ClassicBuildOutputParser : IBuildOutputParser
{
    private readonly List<StepBuilder> _steps = [];
    private readonly List<string> _tags = [];
    private StepBuilder? _current;
    private int _stageIndex = -1;
    private string? _stageName;
    private string? _imageId;
    private string? _error;
    private string? _lastLine;

    /// <inheritdoc/>
    public BuilderKind Builder => BuilderKind.Classic;

    /// <inheritdoc/>
    public void ProcessLine(string line, DateTimeOffset? receivedAt)
    {
        ArgumentNullException.ThrowIfNull(line);
        line = line.TrimEnd('\r');
        if (line.Trim().Length > 0)
        {
            _lastLine = line;
        }

        var step = StepLine().Match(line);
        if (step.Success)
        {
            StartStep(step, receivedAt);
            return;
        }

        if (line.StartsWith(" ---> ", StringComparison.Ordinal) || line == " --->")
        {
            ProcessArrow(line.Length > 6 ? line[6..].Trim() : string.Empty);
            return;
        }

        if (line.StartsWith("Successfully built ", StringComparison.Ordinal))
        {
            _imageId = line["Successfully built ".Length..].Trim();
            EndCurrent(receivedAt);
            return;
        }

        if (line.StartsWith("Successfully tagged ", StringComparison.Ordinal))
        {
            _tags.Add(line["Successfully tagged ".Length..].Trim());
            return;
        }

        if (line.StartsWith("Removing intermediate container ", StringComparison.Ordinal)
            || line.StartsWith("Sending build context to Docker daemon", StringComparison.Ordinal))
        {
            return;
        }

        if (FailedCommand().IsMatch(line))
        {
            // "The command '/bin/sh -c …' returned a non-zero code: 3": the current step failed.
            _error = line.Trim();
            if (_current is not null)
            {
                _current.Error = _error;
                _current.Raise(BuildStepStatus.Failed);
            }

            EndCurrent(receivedAt);
            return;
        }

        if (_current is not null)
        {
            // A FROM that had to pull ran work, it was not served from the local store.
            if (_current.Output.Count == 0 && line.Contains(": Pulling from ", StringComparison.Ordinal))
            {
                _current.Raise(BuildStepStatus.Executed);
            }

            _current.Output.Add(line);
        }
    }

    /// <inheritdoc/>
    public BuildOutput Complete(DateTimeOffset? endedAt)
    {
        if (_current is not null && _imageId is null && _error is null && _current.ImageId is null)
        {
            // The build stopped inside a step without the classic "returned a non-zero code" line
            // (e.g. COPY of a missing file): the CLI's last line is the engine's error.
            _error = _lastLine;
            _current.Error = _error;
            _current.Raise(BuildStepStatus.Failed);
            if (_current.Output.Count > 0 && _current.Output[^1] == _lastLine)
            {
                _current.Output.RemoveAt(_current.Output.Count - 1);
            }
        }

        EndCurrent(endedAt);
        return new BuildOutput
        {
            Builder = BuilderKind.Classic,
            Steps = _steps.Select(s => s.ToResult()).ToList(),
            ImageId = _imageId,
            Tags = _tags.ToList(),
            Error = _error,
        };
    }

    /// <summary>Parses a complete stored output (no arrival times, so no durations).</summary>
    public static BuildOutput Parse(string output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var parser = new ClassicBuildOutputParser();
        foreach (var line in output.Split('\n'))
        {
            parser.ProcessLine(line, null);
        }

        return parser.Complete(null);
    }

    private void StartStep(Match step, DateTimeOffset? receivedAt)
    {
        EndCurrent(receivedAt);
        var instruction = step.Groups["instruction"].Value.Trim();
        if (instruction.StartsWith("FROM ", StringComparison.OrdinalIgnoreCase))
        {
            _stageIndex++;
            _stageName = StageName(instruction);
        }

        _current = new StepBuilder
        {
            Stage = _stageName,
            StageIndex = Math.Max(_stageIndex, 0),
            Number = int.Parse(step.Groups["n"].ValueSpan, provider: System.Globalization.CultureInfo.InvariantCulture),
            Total = int.Parse(step.Groups["total"].ValueSpan, provider: System.Globalization.CultureInfo.InvariantCulture),
            Instruction = instruction,
            StartedAt = receivedAt,
        };
        _steps.Add(_current);
    }

    private void ProcessArrow(string rest)
    {
        if (_current is null)
        {
            return;
        }

        if (rest == "Using cache")
        {
            _current.Raise(BuildStepStatus.Cached);
        }
        else if (rest.StartsWith("Running in ", StringComparison.Ordinal))
        {
            _current.Raise(BuildStepStatus.Executed);
        }
        else if (ImageIdPattern().IsMatch(rest))
        {
            _current.ImageId = rest;
            if (_current.Status == BuildStepStatus.Incomplete)
            {
                // An image without "Using cache" was produced now (COPY/ADD show no "Running in").
                // A FROM's image comes from the local store: nothing was built, so it counts as cached.
                _current.Status = _current.Instruction.StartsWith("FROM ", StringComparison.OrdinalIgnoreCase)
                    ? BuildStepStatus.Cached
                    : BuildStepStatus.Executed;
            }
        }
        else if (rest.Length == 0 && _current.Instruction.StartsWith("FROM ", StringComparison.OrdinalIgnoreCase))
        {
            // "FROM scratch" prints an empty arrow: there is no base image.
            _current.Raise(BuildStepStatus.Cached);
        }
    }

    private void EndCurrent(DateTimeOffset? at)
    {
        if (_current is null)
        {
            return;
        }

        if (_current.StartedAt is { } started && at is { } ended)
        {
            _current.Duration = ended - started;
        }

        _current = null;
    }

    /// <summary>The stage name of a FROM instruction (<c>FROM image AS name</c>), or null.</summary>
    internal static string? StageName(string fromInstruction)
    {
        var words = fromInstruction.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return words.Length >= 4 && words[^2].Equals("AS", StringComparison.OrdinalIgnoreCase) ? words[^1] : null;
    }

    [GeneratedRegex(@"^Step (?<n>\d+)/(?<total>\d+) : (?<instruction>.*)$")]
    private static partial Regex StepLine();

    [GeneratedRegex("^[0-9a-f]{12,64}$")]
    private static partial Regex ImageIdPattern();

    [GeneratedRegex(@"^The command '.*' returned a non-zero code: \d+\s*$")]
    private static partial Regex FailedCommand();
}
