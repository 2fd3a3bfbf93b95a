using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace LayerCache.Dockerfile;

/// <summary>
/// Turns a parsed Dockerfile into typed stages and the dependency graph of a build target,
/// resolving ARGs the way Docker does: only ARGs declared before the first FROM (meta args) are
/// visible to FROM; inside a stage an ARG must be redeclared to be visible.
/// </summary>
public static partial class StageGraph
{
    // BuildKit makes these available to FROM without a declaration; they only have a value when
    // the caller passes one as a build arg, since the platform is the engine's to decide.
    private static readonly HashSet<string> AutomaticPlatformArgs =
    [
        "BUILDPLATFORM", "BUILDOS", "BUILDARCH", "BUILDVARIANT",
        "TARGETPLATFORM", "TARGETOS", "TARGETARCH", "TARGETVARIANT",
    ];

    [GeneratedRegex("^[a-z][a-z0-9-_.]*$", RegexOptions.CultureInvariant)]
    private static partial Regex ValidStageName();

    /// <summary>Resolves the stages of <paramref name="syntax"/> and plans the build of <paramref name="target"/>.</summary>
    /// <param name="syntax">A parsed Dockerfile.</param>
    /// <param name="target">A stage name (case-insensitive); null or empty for the last stage.</param>
    /// <param name="buildArgs">Values from <c>--build-arg</c>; they override ARG defaults.</param>
    /// <exception cref="DockerfileException">Invalid stages, references or ARG expansions, or an unknown target.</exception>
    public static BuildPlan Plan(DockerfileSyntax syntax, string? target, IReadOnlyDictionary<string, string> buildArgs)
    {
        ArgumentNullException.ThrowIfNull(syntax);
        ArgumentNullException.ThrowIfNull(buildArgs);
        var planner = new Planner(syntax, buildArgs);
        var stages = planner.ResolveStages();
        var targetStage = FindTarget(syntax, stages, target);
        var ordered = BuildOrder(syntax, stages, targetStage);

        var images = new List<string>();
        foreach (var stage in ordered)
        {
            foreach (var image in stage.ExternalImages)
            {
                if (!images.Contains(image, StringComparer.Ordinal))
                {
                    images.Add(image);
                }
            }
        }

        return new BuildPlan(stages, ordered, targetStage, images, planner.MetaArgs);
    }

    private static Stage FindTarget(DockerfileSyntax syntax, List<Stage> stages, string? target)
    {
        if (string.IsNullOrEmpty(target))
        {
            return stages[^1];
        }

        foreach (var stage in stages)
        {
            if (string.Equals(stage.Name, target, StringComparison.OrdinalIgnoreCase))
            {
                return stage;
            }
        }

        // There is no line to blame for a missing target; the message names the target instead.
        throw new DockerfileException(syntax.FileName, 1, $"target stage \"{target}\" could not be found");
    }

    private static List<Stage> BuildOrder(DockerfileSyntax syntax, List<Stage> stages, Stage target)
    {
        // Collect what the target needs, then order it topologically, always taking the lowest
        // ready index so the order is stable and matches the file where the graph allows.
        var needed = new SortedSet<int>();
        var pending = new Stack<int>();
        pending.Push(target.Index);
        while (pending.Count > 0)
        {
            var index = pending.Pop();
            if (!needed.Add(index))
            {
                continue;
            }

            foreach (var dependency in stages[index].DependsOn)
            {
                pending.Push(dependency);
            }
        }

        var ordered = new List<Stage>(needed.Count);
        var done = new HashSet<int>();
        while (ordered.Count < needed.Count)
        {
            var next = -1;
            foreach (var index in needed)
            {
                if (!done.Contains(index) && stages[index].DependsOn.All(done.Contains))
                {
                    next = index;
                    break;
                }
            }

            if (next < 0)
            {
                var stuck = stages[needed.First(i => !done.Contains(i))];
                throw new DockerfileException(syntax.FileName, stuck.Line, $"circular dependency detected on stage: {stuck.DisplayName}");
            }

            done.Add(next);
            ordered.Add(stages[next]);
        }

        return ordered;
    }

    /// <summary>The state of one planning run.</summary>
    private sealed class Planner
    {
        private readonly DockerfileSyntax _syntax;
        private readonly IReadOnlyDictionary<string, string> _buildArgs;
        private readonly Dictionary<string, string> _metaArgs = new(StringComparer.Ordinal);
        private readonly ShellLexer _lexer;

        public Planner(DockerfileSyntax syntax, IReadOnlyDictionary<string, string> buildArgs)
        {
            _syntax = syntax;
            _buildArgs = buildArgs;
            _lexer = new ShellLexer(syntax.EscapeToken);
        }

        public IReadOnlyDictionary<string, string> MetaArgs => _metaArgs;

        public List<Stage> ResolveStages()
        {
            var drafts = new List<Draft>();
            Draft? current = null;
            foreach (var instruction in _syntax.Instructions)
            {
                if (instruction.Keyword == "from")
                {
                    current = NewDraft(instruction, drafts);
                    drafts.Add(current);
                }
                else if (current is not null)
                {
                    current.Instructions.Add(instruction);
                }
                else if (instruction.Keyword == "arg")
                {
                    DeclareMetaArgs(instruction);
                }
                else
                {
                    throw Error(instruction, "no build stage in current context");
                }
            }

            if (drafts.Count == 0)
            {
                throw new DockerfileException(_syntax.FileName, _syntax.Instructions[^1].StartLine, "dockerfile contains no stages to build");
            }

            var stages = new List<Stage>(drafts.Count);
            foreach (var draft in drafts)
            {
                stages.Add(Resolve(draft, drafts));
            }

            return stages;
        }

        private Draft NewDraft(Instruction from, List<Draft> earlier)
        {
            var meta = EffectiveMetaScope();
            string? platform = null;
            foreach (var flag in from.Flags)
            {
                var name = FlagName(flag);
                if (name != "platform")
                {
                    throw Error(from, $"unknown flag: {name}");
                }
            }

            if (from.GetFlag("platform") is { } rawPlatform)
            {
                platform = Expand(from, rawPlatform, meta);
            }

            var args = from.Arguments;
            string? stageName = null;
            if (args.Count == 3 && string.Equals(args[1], "as", StringComparison.OrdinalIgnoreCase))
            {
                stageName = Expand(from, args[2], meta).ToLowerInvariant();
                if (!ValidStageName().IsMatch(stageName))
                {
                    throw Error(from, $"invalid name for build stage: {GoQuote.Quote(args[2])}, name can't start with a number or contain symbols");
                }

                if (earlier.Any(d => d.Name == stageName))
                {
                    throw Error(from, $"duplicate stage name {GoQuote.Quote(stageName)}");
                }
            }
            else if (args.Count != 1)
            {
                throw Error(from, "FROM requires either one or three arguments");
            }

            var baseName = Expand(from, args[0], meta);
            if (baseName.Length == 0)
            {
                throw Error(from, $"base name ({args[0]}) should not be blank");
            }

            StageBase stageBase;
            var baseStage = earlier.FirstOrDefault(d => string.Equals(d.Name, baseName, StringComparison.OrdinalIgnoreCase));
            if (baseStage is not null)
            {
                stageBase = new StageBase(StageBaseKind.Stage, baseName, baseStage.Index);
            }
            else if (string.Equals(baseName, "scratch", StringComparison.OrdinalIgnoreCase))
            {
                stageBase = new StageBase(StageBaseKind.Scratch, baseName, null);
            }
            else
            {
                stageBase = new StageBase(StageBaseKind.Image, baseName, null);
            }

            return new Draft(earlier.Count, stageName, stageBase, platform, from);
        }

        private Stage Resolve(Draft draft, List<Draft> all)
        {
            var dependsOn = new List<int>();
            var images = new List<string>();
            if (draft.Base.StageIndex is { } baseIndex)
            {
                dependsOn.Add(baseIndex);
            }
            else if (draft.Base.Kind == StageBaseKind.Image)
            {
                images.Add(draft.Base.Reference);
            }

            // ARG and ENV values are tracked so that --from=$STAGE resolves as the build would.
            var env = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var instruction in draft.Instructions)
            {
                switch (instruction.Keyword)
                {
                    case "arg":
                        DeclareStageArgs(instruction, env);
                        break;
                    case "env":
                        for (var i = 0; i + 1 < instruction.Arguments.Count; i += 3)
                        {
                            env[instruction.Arguments[i]] = Expand(instruction, instruction.Arguments[i + 1], env);
                        }

                        break;
                    case "copy":
                        if (instruction.GetFlag("from") is { } copyFrom)
                        {
                            AddReference(draft, all, instruction, Expand(instruction, copyFrom, env), dependsOn, images);
                        }

                        break;
                    case "run":
                        foreach (var mount in instruction.GetFlags("mount"))
                        {
                            if (MountFrom(instruction, mount) is { } mountFrom)
                            {
                                AddReference(draft, all, instruction, Expand(instruction, mountFrom, env), dependsOn, images);
                            }
                        }

                        break;
                }
            }

            return new Stage(draft.Index, draft.Name, draft.Base, draft.Platform, draft.From, draft.Instructions, dependsOn, images);
        }

        private void AddReference(Draft draft, List<Draft> all, Instruction instruction, string reference, List<int> dependsOn, List<string> images)
        {
            if (reference.Length == 0)
            {
                throw Error(instruction, "--from value cannot be empty");
            }

            int? index = null;
            if (int.TryParse(reference, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number))
            {
                if (number < 0 || number >= draft.Index)
                {
                    throw Error(instruction, $"invalid --from={reference}: a stage index must refer to an earlier stage (below {draft.Index})");
                }

                index = number;
            }
            else
            {
                var named = all.FirstOrDefault(d => string.Equals(d.Name, reference, StringComparison.OrdinalIgnoreCase));
                if (named is not null)
                {
                    if (named.Index == draft.Index)
                    {
                        throw Error(instruction, $"circular dependency detected on stage: {named.Name}");
                    }

                    index = named.Index;
                }
            }

            if (index is { } stageIndex)
            {
                if (!dependsOn.Contains(stageIndex))
                {
                    dependsOn.Add(stageIndex);
                }
            }
            else if (!string.Equals(reference, "scratch", StringComparison.OrdinalIgnoreCase) && !images.Contains(reference, StringComparer.Ordinal))
            {
                images.Add(reference);
            }
        }

        private string? MountFrom(Instruction instruction, string mount)
        {
            foreach (var field in SplitCsv(instruction, mount))
            {
                var equals = field.IndexOf('=', StringComparison.Ordinal);
                if (equals > 0 && field[..equals].Trim().Equals("from", StringComparison.OrdinalIgnoreCase))
                {
                    return field[(equals + 1)..];
                }
            }

            return null;
        }

        private List<string> SplitCsv(Instruction instruction, string value)
        {
            // --mount values are one CSV record (BuildKit reads them with encoding/csv), so a field
            // may be quoted to contain commas, with "" for a literal quote.
            var fields = new List<string>();
            var field = new StringBuilder();
            var quoted = false;
            var fieldStart = true;
            for (var i = 0; i < value.Length; i++)
            {
                var ch = value[i];
                if (quoted)
                {
                    if (ch == '"')
                    {
                        if (i + 1 < value.Length && value[i + 1] == '"')
                        {
                            field.Append('"');
                            i++;
                        }
                        else
                        {
                            quoted = false;
                        }
                    }
                    else
                    {
                        field.Append(ch);
                    }
                }
                else if (ch == ',')
                {
                    fields.Add(field.ToString());
                    field.Clear();
                    fieldStart = true;
                    continue;
                }
                else if (ch == '"' && fieldStart)
                {
                    quoted = true;
                }
                else
                {
                    field.Append(ch);
                }

                fieldStart = false;
            }

            if (quoted)
            {
                throw Error(instruction, $"invalid mount {GoQuote.Quote(value)}: unterminated quote");
            }

            fields.Add(field.ToString());
            return fields;
        }

        private void DeclareMetaArgs(Instruction instruction)
        {
            foreach (var word in instruction.Arguments)
            {
                var (name, defaultValue) = SplitArg(word);
                if (_buildArgs.TryGetValue(name, out var overridden))
                {
                    _metaArgs[name] = overridden;
                }
                else if (defaultValue is not null)
                {
                    _metaArgs[name] = Expand(instruction, defaultValue, EffectiveMetaScope());
                }
                else
                {
                    _metaArgs.Remove(name);
                }
            }
        }

        private void DeclareStageArgs(Instruction instruction, Dictionary<string, string> env)
        {
            foreach (var word in instruction.Arguments)
            {
                var (name, defaultValue) = SplitArg(word);
                if (_buildArgs.TryGetValue(name, out var overridden))
                {
                    env[name] = overridden;
                }
                else if (defaultValue is not null)
                {
                    env[name] = Expand(instruction, defaultValue, env);
                }
                else if (_metaArgs.TryGetValue(name, out var inherited))
                {
                    env[name] = inherited;
                }
            }
        }

        private Dictionary<string, string> EffectiveMetaScope()
        {
            var scope = new Dictionary<string, string>(_metaArgs, StringComparer.Ordinal);
            foreach (var name in AutomaticPlatformArgs)
            {
                if (!scope.ContainsKey(name) && _buildArgs.TryGetValue(name, out var value))
                {
                    scope[name] = value;
                }
            }

            return scope;
        }

        private static (string Name, string? Default) SplitArg(string word)
        {
            var equals = word.IndexOf('=', StringComparison.Ordinal);
            return equals < 0 ? (word, null) : (word[..equals], word[(equals + 1)..]);
        }

        private static string FlagName(string flag)
        {
            var body = flag.StartsWith("--", StringComparison.Ordinal) ? flag[2..] : flag;
            var equals = body.IndexOf('=', StringComparison.Ordinal);
            return equals < 0 ? body : body[..equals];
        }

        private string Expand(Instruction instruction, string word, IReadOnlyDictionary<string, string> env)
        {
            try
            {
                return _lexer.ProcessWord(word, env);
            }
            catch (FormatException ex)
            {
                throw Error(instruction, ex.Message, ex);
            }
        }

        private DockerfileException Error(Instruction instruction, string problem, Exception? inner = null)
            => new(_syntax.FileName, instruction.StartLine, problem, inner);
    }

    /// <summary>A stage whose references are not resolved yet (later stage names must be known first).</summary>
    private sealed record Draft(int Index, string? Name, StageBase Base, string? Platform, Instruction From)
    {
        public List<Instruction> Instructions { get; } = [];
    }
}
