using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using LayerCache.Oci;

namespace LayerCache.Dockerfile;

/// <summary>
/// Turns a parsed Dockerfile into typed stages and the dependency graph of a build target, with
/// the rules of BuildKit's Dockerfile frontend (moby/buildkit <c>frontend/dockerfile/instructions/parse.go</c>
/// and <c>frontend/dockerfile/dockerfile2llb/convert.go</c>), checked in the same phases so that the
/// same Dockerfiles fail, with the same problem, as <c>docker build</c> with BuildKit:
/// parse (stage names, flags, mounts), meta args and FROM expansion (every stage), the dependency
/// graph (every stage), base and <c>--from</c> image references (every stage), ONBUILD triggers and
/// dispatch (only the stages the target needs).
/// </summary>
public static partial class StageGraph
{
    // convert.go toCommand: the one message BuildKit gives for any expansion in COPY --from.
    private const string FromExpansionUnsupported =
        "variable expansion is not supported for --from, define a new stage with FROM using ARG from global scope as a workaround";

    private const string Scratch = "scratch";

    // dockerfile2llb/platform.go defaultArgs: visible to FROM without a declaration. The platform
    // ones have the engine's values, which only the engine knows; here they have a value only when
    // the caller passes one as a build arg (as BuildKit lets a build arg override them).
    private static readonly string[] PlatformArgs =
    [
        "BUILDPLATFORM", "BUILDOS", "BUILDOSVERSION", "BUILDARCH", "BUILDVARIANT",
        "TARGETPLATFORM", "TARGETOS", "TARGETOSVERSION", "TARGETARCH", "TARGETVARIANT",
    ];

    private static readonly Dictionary<string, string> NoEnv = new(StringComparer.Ordinal);

    // instructions/parse.go validStageName, matched against the lower-cased name as written.
    [GeneratedRegex("^[a-z][a-z0-9-_.]*$", RegexOptions.CultureInvariant)]
    private static partial Regex ValidStageName();

    /// <summary>Resolves the stages of <paramref name="syntax"/> and plans the build of <paramref name="target"/>.</summary>
    /// <param name="syntax">A parsed Dockerfile.</param>
    /// <param name="target">A stage name (case-insensitive); null or empty for the last stage.</param>
    /// <param name="buildArgs">Values from <c>--build-arg</c>; they override ARG defaults and the built-in platform args.</param>
    /// <exception cref="DockerfileException">Invalid stages, references or ARG expansions, or an unknown target.</exception>
    public static BuildPlan Plan(DockerfileSyntax syntax, string? target, IReadOnlyDictionary<string, string> buildArgs)
    {
        ArgumentNullException.ThrowIfNull(syntax);
        ArgumentNullException.ThrowIfNull(buildArgs);
        return new Planner(syntax, buildArgs, target).Plan();
    }

    /// <summary>The state of one planning run.</summary>
    private sealed class Planner
    {
        private readonly DockerfileSyntax _syntax;
        private readonly IReadOnlyDictionary<string, string> _buildArgs;
        private readonly string? _target;
        private readonly ShellLexer _lexer;

        // Global scope: built-in args then meta args (convert.go buildMetaArgs); what FROM sees.
        private readonly Dictionary<string, string> _globalArgs = new(StringComparer.Ordinal);
        private readonly Dictionary<string, string> _metaArgs = new(StringComparer.Ordinal);
        private readonly HashSet<string> _unknownArgs = new(StringComparer.Ordinal);
        private readonly List<Instruction> _metaArgInstructions = [];
        private readonly List<Draft> _drafts = [];

        // convert.go dispatchStates.statesByName: lower-case name to the last stage so named.
        private readonly Dictionary<string, Draft> _byName = new(StringComparer.Ordinal);

        public Planner(DockerfileSyntax syntax, IReadOnlyDictionary<string, string> buildArgs, string? target)
        {
            _syntax = syntax;
            _buildArgs = buildArgs;
            _target = string.IsNullOrEmpty(target) ? null : target;
            _lexer = new ShellLexer(syntax.EscapeToken);
        }

        public BuildPlan Plan()
        {
            Split();
            DeclareGlobalArgs();
            foreach (var draft in _drafts)
            {
                ResolveFrom(draft);
            }

            var target = FindTarget();
            foreach (var draft in _drafts)
            {
                draft.Sources = CommandSources(draft.Instructions, location: null);
            }

            CheckCircularDependencies();
            CheckImageReferences();
            foreach (var draft in _drafts)
            {
                ResolveOnBuildTriggers(draft);
            }

            var needed = Needed(target);
            foreach (var draft in needed)
            {
                Dispatch(draft);
            }

            var stages = _drafts.Select(ToStage).ToList();
            var ordered = needed.Select(d => stages[d.Index]).ToList();
            var images = new List<string>();
            foreach (var stage in ordered)
            {
                foreach (var image in stage.ExternalImages)
                {
                    if (image.Length > 0 && !images.Contains(image, StringComparer.Ordinal))
                    {
                        images.Add(image);
                    }
                }
            }

            return new BuildPlan(stages, ordered, stages[target.Index], images, _metaArgs);
        }

        /// <summary>instructions/parse.go Parse: meta ARGs, stages and the checks made while parsing.</summary>
        private void Split()
        {
            Draft? current = null;
            foreach (var instruction in _syntax.Instructions)
            {
                switch (instruction.Keyword)
                {
                    case "from":
                        current = ParseFrom(instruction);
                        _drafts.Add(current);
                        continue;
                    case "arg":
                        ParseArg(instruction);
                        if (current is null)
                        {
                            _metaArgInstructions.Add(instruction);
                            continue;
                        }

                        break;
                    case "copy":
                        ParseCopyFrom(instruction);
                        break;
                    case "run":
                        foreach (var mount in instruction.GetFlags("mount"))
                        {
                            ParseMountFrom(instruction, mount);
                        }

                        break;
                }

                if (current is null)
                {
                    throw Error(instruction, "no build stage in current context");
                }

                current.Instructions.Add(instruction);
            }

            if (_drafts.Count == 0)
            {
                throw new DockerfileException(_syntax.FileName, _syntax.Instructions[^1].StartLine, "dockerfile contains no stages to build");
            }
        }

        /// <summary>instructions/parse.go parseFrom and parseBuildStageName: the name is taken as written, never expanded.</summary>
        private Draft ParseFrom(Instruction from)
        {
            var args = from.Arguments;
            string? name = null;
            if (args.Count == 3 && string.Equals(args[1], "as", StringComparison.OrdinalIgnoreCase))
            {
                name = args[2].ToLowerInvariant();
                if (!ValidStageName().IsMatch(name))
                {
                    throw Error(from, $"invalid name for build stage: {GoQuote.Quote(args[2])}, name can't start with a number or contain symbols");
                }
            }
            else if (args.Count != 1)
            {
                throw Error(from, "FROM requires either one or three arguments");
            }

            CheckFlags(from, "platform");
            return new Draft(_drafts.Count, name, from);
        }

        /// <summary>instructions/bflag.go Parse for the string flags of an instruction.</summary>
        private void CheckFlags(Instruction instruction, params string[] known)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var flag in instruction.Flags)
            {
                var equals = flag.IndexOf('=', StringComparison.Ordinal);
                var flagName = equals < 0 ? flag : flag[..equals];
                var name = flagName.StartsWith("--", StringComparison.Ordinal) ? flagName[2..] : flagName;
                if (!known.Contains(name, StringComparer.Ordinal))
                {
                    throw Error(instruction, $"unknown flag: {flagName}");
                }

                if (!seen.Add(name))
                {
                    throw Error(instruction, $"duplicate flag specified: {flagName}");
                }

                if (equals < 0)
                {
                    throw Error(instruction, $"missing a value on flag: {flagName}");
                }
            }
        }

        /// <summary>instructions/parse.go parseArg: a name, or name=value with a name.</summary>
        private void ParseArg(Instruction instruction)
        {
            if (instruction.Arguments.Count == 0)
            {
                throw Error(instruction, "ARG requires at least one argument");
            }

            foreach (var word in instruction.Arguments)
            {
                if (word.StartsWith('='))
                {
                    throw Error(instruction, "ARG names can not be blank");
                }
            }
        }

        /// <summary>COPY's --from is a string flag (bflag.go): once, with a value.</summary>
        private void ParseCopyFrom(Instruction copy)
        {
            var seen = false;
            foreach (var flag in copy.Flags)
            {
                if (flag == "--from" || flag.StartsWith("--from=", StringComparison.Ordinal))
                {
                    if (seen)
                    {
                        throw Error(copy, "duplicate flag specified: --from");
                    }

                    if (flag == "--from")
                    {
                        throw Error(copy, "missing a value on flag: --from");
                    }

                    seen = true;
                }
            }
        }

        /// <summary>
        /// instructions/commands_runmount.go parseMount without an expander (parse time): the mount is
        /// one CSV record, and a <c>from</c> value holding a <c>$</c> anywhere but last is refused.
        /// Returns the from value ("" when none) and the target as written.
        /// </summary>
        private (string From, string Target) ParseMountFrom(Instruction instruction, string mount)
        {
            var from = string.Empty;
            var target = string.Empty;
            foreach (var field in SplitCsv(instruction, mount))
            {
                var equals = field.IndexOf('=', StringComparison.Ordinal);
                if (equals < 0)
                {
                    continue;
                }

                var key = field[..equals].ToLowerInvariant();
                var value = field[(equals + 1)..];
                if (key == "from")
                {
                    var dollar = value.IndexOf('$', StringComparison.Ordinal);
                    if (dollar >= 0 && dollar != value.Length - 1)
                    {
                        throw Error(instruction, "'from' doesn't support variable expansion, define alias stage instead");
                    }

                    from = value;
                }
                else if (key is "target" or "dst" or "destination")
                {
                    target = value;
                }
            }

            return (from, target);
        }

        /// <summary>
        /// convert.go defaultArgs then buildMetaArgs: built-in args first (a build arg overrides them),
        /// then each meta ARG: the build arg when given, else its expanded default, else unchanged.
        /// </summary>
        private void DeclareGlobalArgs()
        {
            foreach (var name in PlatformArgs)
            {
                if (_buildArgs.TryGetValue(name, out var value))
                {
                    _globalArgs[name] = value;
                }
                else
                {
                    _unknownArgs.Add(name);
                }
            }

            _globalArgs["TARGETSTAGE"] = _buildArgs.TryGetValue("TARGETSTAGE", out var stage)
                ? stage
                : _target ?? _drafts[^1].Name ?? "default";

            foreach (var instruction in _metaArgInstructions)
            {
                foreach (var word in instruction.Arguments)
                {
                    var (name, defaultValue) = SplitArg(word);
                    if (_buildArgs.TryGetValue(name, out var overridden))
                    {
                        _globalArgs[name] = overridden;
                        _unknownArgs.Remove(name);
                    }
                    else if (defaultValue is not null)
                    {
                        _globalArgs[name] = Expand(instruction, defaultValue, _globalArgs, out var unknown);
                        if (unknown)
                        {
                            _unknownArgs.Add(name);
                        }
                        else
                        {
                            _unknownArgs.Remove(name);
                        }
                    }

                    if (_globalArgs.TryGetValue(name, out var value))
                    {
                        _metaArgs[name] = value;
                    }
                }
            }
        }

        /// <summary>convert.go buildDispatchStates and dispatchStates.addState: FROM expanded for every stage.</summary>
        private void ResolveFrom(Draft draft)
        {
            var from = draft.From;
            var rawBase = from.Arguments[0];
            var baseName = Expand(from, rawBase, _globalArgs, out var baseUnknown);
            if (baseName.Length == 0 && !baseUnknown)
            {
                throw Error(from, $"base name ({rawBase}) should not be blank");
            }

            if (from.GetFlag("platform") is { } rawPlatform)
            {
                draft.Platform = Expand(from, rawPlatform, _globalArgs, out var platformUnknown);
                if (draft.Platform.Length == 0 && !platformUnknown)
                {
                    throw Error(from, $"empty platform value from expression {rawPlatform}");
                }
            }

            // The base is looked up by the expanded name exactly as written among the stages so far
            // (names are stored lower case, so "FROM Build" is an image, not stage "build").
            if (_byName.TryGetValue(baseName, out var baseStage))
            {
                draft.Base = new StageBase(StageBaseKind.Stage, baseName, baseStage.Index);
            }
            else if (baseName == Scratch)
            {
                draft.Base = new StageBase(StageBaseKind.Scratch, baseName, null);
            }
            else
            {
                draft.Base = new StageBase(StageBaseKind.Image, baseName, null);
                draft.BaseUsesUnknownArgs = baseUnknown;
            }

            if (draft.Name is not null)
            {
                _byName[draft.Name] = draft;
            }
        }

        /// <summary>convert.go resolveTarget: the last stage, or the last stage with the target's name.</summary>
        private Draft FindTarget()
        {
            if (_target is null)
            {
                return _drafts[^1];
            }

            if (_byName.TryGetValue(_target.ToLowerInvariant(), out var stage))
            {
                return stage;
            }

            // There is no line to blame for a missing target; the message names the target instead.
            throw new DockerfileException(_syntax.FileName, 1, $"target stage {GoQuote.Quote(_target)} could not be found");
        }

        /// <summary>
        /// convert.go toCommand and convert_runmount.go detectRunMount: what COPY --from and RUN --mount
        /// from= name. COPY --from is a stage name, a stage index or an image, never expanded; a mount's
        /// from is a stage name or an image, never an index. Errors are placed at
        /// <paramref name="location"/> when given (ONBUILD triggers run where they are inherited).
        /// </summary>
        private List<Source> CommandSources(IEnumerable<Instruction> instructions, Instruction? location)
        {
            var sources = new List<Source>();
            foreach (var instruction in instructions)
            {
                var at = location ?? instruction;
                try
                {
                    if (instruction.Keyword == "copy")
                    {
                        ParseCopyFrom(instruction);
                        if (instruction.GetFlag("from") is { Length: > 0 } from)
                        {
                            sources.Add(CopySource(instruction, at, from));
                        }
                    }
                    else if (instruction.Keyword == "run")
                    {
                        foreach (var mount in instruction.GetFlags("mount"))
                        {
                            var (from, target) = ParseMountFrom(instruction, mount);
                            if (from.Length > 0)
                            {
                                sources.Add(ByName(instruction, at, from, target, isMount: true));
                            }
                        }
                    }
                }
                catch (DockerfileException ex) when (location is not null)
                {
                    throw Error(location, ex.Problem, ex);
                }
            }

            return sources;
        }

        private Source CopySource(Instruction instruction, Instruction at, string from)
        {
            string expanded;
            try
            {
                expanded = _lexer.ProcessWord(from, NoEnv);
            }
            catch (FormatException ex)
            {
                throw Error(at, ex.Message, ex);
            }

            if (expanded != from)
            {
                throw Error(at, FromExpansionUnsupported);
            }

            // strconv.Atoi: an optional sign and decimal digits; anything else is a name.
            if (int.TryParse(from, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var index))
            {
                if (index < 0 || index >= _drafts.Count)
                {
                    throw Error(at, $"invalid stage index {index}");
                }

                return new Source(instruction, at, from, index, null, null, IsMount: false);
            }

            return ByName(instruction, at, from, null, isMount: false);
        }

        /// <summary>
        /// convert.go findStateByName (case-insensitive, the last stage so named, also a later one);
        /// otherwise an image, or the empty image for exactly <c>scratch</c>.
        /// </summary>
        private Source ByName(Instruction instruction, Instruction at, string from, string? mountTarget, bool isMount)
        {
            if (_byName.TryGetValue(from.ToLowerInvariant(), out var stage))
            {
                return new Source(instruction, at, from, stage.Index, null, mountTarget, isMount);
            }

            return new Source(instruction, at, from, null, from == Scratch ? null : from, mountTarget, isMount);
        }

        /// <summary>
        /// validations.go validateCircularDependency, over every stage's command dependencies (also
        /// the stages the target does not need).
        /// </summary>
        private void CheckCircularDependencies()
        {
            var visited = new HashSet<int>();
            var path = new HashSet<int>();

            List<Source>? Visit(Draft draft, List<Source> current)
            {
                if (!visited.Add(draft.Index))
                {
                    return null;
                }

                path.Add(draft.Index);
                foreach (var source in draft.Sources)
                {
                    if (source.StageIndex is not { } dependency)
                    {
                        continue;
                    }

                    var next = new List<Source>(current) { source };
                    if (path.Contains(dependency))
                    {
                        return next;
                    }

                    if (Visit(_drafts[dependency], next) is { } cycle)
                    {
                        return cycle;
                    }
                }

                path.Remove(draft.Index);
                return null;
            }

            foreach (var draft in _drafts)
            {
                if (Visit(draft, []) is { } cycle)
                {
                    throw Error(cycle[0].Location, $"circular dependency detected on stage: {draft.StageName}");
                }
            }
        }

        /// <summary>
        /// convert.go resolveBaseImage, run for every stage that starts from an image and every image a
        /// COPY --from or mount names, needed by the target or not: the reference must parse.
        /// </summary>
        private void CheckImageReferences()
        {
            foreach (var draft in _drafts)
            {
                if (draft.Base.Kind == StageBaseKind.Image && !draft.BaseUsesUnknownArgs)
                {
                    CheckReference(draft.From, draft.Base.Reference);
                }
            }

            foreach (var draft in _drafts)
            {
                foreach (var source in draft.Sources)
                {
                    if (source.Image is { } image)
                    {
                        CheckReference(source.Location, image);
                    }
                }
            }
        }

        private void CheckReference(Instruction at, string reference)
        {
            if (!ImageReference.TryParse(reference, out _, out var error))
            {
                throw Error(at, $"failed to parse stage name {GoQuote.Quote(reference)}: {error}");
            }
        }

        /// <summary>
        /// convert.go resolveStages and initOnBuildTriggers: a stage built on a stage of this file runs
        /// that stage's own ONBUILD triggers first (not its base's: triggers do not carry over), and a
        /// trigger's COPY --from or mount is a dependency. BuildKit reads triggers only for the stages
        /// the target needs, so an error in one is kept until the stage turns out to be needed.
        /// </summary>
        private void ResolveOnBuildTriggers(Draft draft)
        {
            if (draft.Base.StageIndex is not { } baseIndex)
            {
                return;
            }

            var triggers = _drafts[baseIndex].Instructions
                .Where(i => i.Keyword == "onbuild" && i.OnBuild is not null)
                .Select(i => i.OnBuild!)
                .ToList();
            try
            {
                draft.OnBuildSources = CommandSources(triggers, draft.From);
                foreach (var source in draft.OnBuildSources)
                {
                    if (source.Image is { } image)
                    {
                        CheckReference(draft.From, image);
                    }
                }
            }
            catch (DockerfileException ex)
            {
                draft.OnBuildError = ex;
            }
        }

        /// <summary>convert.go allReachableStages: the target, its base, and what its commands and triggers name.</summary>
        private List<Draft> Needed(Draft target)
        {
            var needed = new SortedSet<int>();
            var pending = new Stack<Draft>();
            pending.Push(target);
            while (pending.Count > 0)
            {
                var draft = pending.Pop();
                if (!needed.Add(draft.Index))
                {
                    continue;
                }

                if (draft.OnBuildError is { } error)
                {
                    throw error;
                }

                foreach (var dependency in draft.DependsOn)
                {
                    pending.Push(_drafts[dependency]);
                }
            }

            return needed.Select(i => _drafts[i]).ToList();
        }

        /// <summary>
        /// convert.go dispatchStages: needed stages run in file order, so copying or mounting from a
        /// stage defined later fails (dispatch and dispatchRunMounts); ARG and ENV are evaluated as
        /// dispatchArg and dispatchEnv do, which reports their expansion errors.
        /// </summary>
        private void Dispatch(Draft draft)
        {
            var env = draft.Base.StageIndex is { } baseIndex
                ? new Dictionary<string, string>(_drafts[baseIndex].Env, StringComparer.Ordinal)
                : new Dictionary<string, string>(StringComparer.Ordinal);

            foreach (var source in draft.OnBuildSources)
            {
                CheckDefinedBefore(draft, source, env);
            }

            foreach (var instruction in draft.Instructions)
            {
                switch (instruction.Keyword)
                {
                    case "arg":
                        DispatchArg(instruction, env);
                        break;
                    case "env":
                        for (var i = 0; i + 1 < instruction.Arguments.Count; i += 3)
                        {
                            env[instruction.Arguments[i]] = Expand(instruction, instruction.Arguments[i + 1], env, out _);
                        }

                        break;
                    case "copy":
                    case "run":
                        foreach (var source in draft.Sources.Where(s => ReferenceEquals(s.Instruction, instruction)))
                        {
                            CheckDefinedBefore(draft, source, env);
                        }

                        break;
                }
            }

            draft.Env = env;
        }

        private void CheckDefinedBefore(Draft draft, Source source, Dictionary<string, string> env)
        {
            if (source.StageIndex is not { } index || index < draft.Index)
            {
                return;
            }

            if (!source.IsMount)
            {
                throw Error(source.Location, $"cannot copy from stage {GoQuote.Quote(source.From)}, it needs to be defined before current stage {GoQuote.Quote(StageName(draft))}");
            }

            string target;
            try
            {
                target = _lexer.ProcessWord(source.MountTarget ?? string.Empty, env);
            }
            catch (FormatException)
            {
                target = source.MountTarget ?? string.Empty;
            }

            throw Error(source.Location, $"cannot mount from stage {GoQuote.Quote(source.From)} to {GoQuote.Quote(target)}, stage needs to be defined before current command");
        }

        // convert.go buildStageDependencyGraph clears the name of the only stage of a file.
        private string StageName(Draft draft) => _drafts.Count == 1 ? string.Empty : draft.StageName;

        /// <summary>
        /// convert.go dispatchArg: the build arg when given, else the expanded default, else the
        /// global value (meta or built-in arg), else the variable keeps what it had.
        /// </summary>
        private void DispatchArg(Instruction instruction, Dictionary<string, string> env)
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
                    env[name] = Expand(instruction, defaultValue, env, out _);
                }
                else if (_globalArgs.TryGetValue(name, out var inherited))
                {
                    env[name] = inherited;
                }
            }
        }

        private Stage ToStage(Draft draft)
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

            foreach (var source in draft.OnBuildSources.Concat(draft.Sources))
            {
                if (source.StageIndex is { } index)
                {
                    if (!dependsOn.Contains(index))
                    {
                        dependsOn.Add(index);
                    }
                }
                else if (source.Image is { } image && !images.Contains(image, StringComparer.Ordinal))
                {
                    images.Add(image);
                }
            }

            return new Stage(draft.Index, draft.Name, draft.Base, draft.Platform, draft.From, draft.Instructions, dependsOn, images);
        }

        private List<string> SplitCsv(Instruction instruction, string value)
        {
            // --mount values are one CSV record (BuildKit reads them with encoding/csv rules), so a
            // field may be quoted to contain commas, with "" for a literal quote.
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
                throw Error(instruction, $"failed to parse csv mounts: invalid mount {GoQuote.Quote(value)}: unterminated quote");
            }

            fields.Add(field.ToString());
            return fields;
        }

        private static (string Name, string? Default) SplitArg(string word)
        {
            var equals = word.IndexOf('=', StringComparison.Ordinal);
            return equals < 0 ? (word, null) : (word[..equals], word[(equals + 1)..]);
        }

        /// <summary>Expands a word; <paramref name="usesUnknown"/> tells whether it read a built-in arg whose value only the engine knows.</summary>
        private string Expand(Instruction instruction, string word, IReadOnlyDictionary<string, string> env, out bool usesUnknown)
        {
            try
            {
                var result = _lexer.ProcessWord(word, env);
                usesUnknown = _lexer.Unmatched.Any(_unknownArgs.Contains);
                return result;
            }
            catch (FormatException ex)
            {
                throw Error(instruction, ex.Message, ex);
            }
        }

        private DockerfileException Error(Instruction instruction, string problem, Exception? inner = null)
            => new(_syntax.FileName, instruction.StartLine, problem, inner);
    }

    /// <summary>A stage while it is being resolved (later stage names must be known before references are).</summary>
    private sealed class Draft(int index, string? name, Instruction from)
    {
        public int Index { get; } = index;

        public string? Name { get; } = name;

        public Instruction From { get; } = from;

        /// <summary>convert.go names an unnamed stage stage-N.</summary>
        public string StageName => Name ?? $"stage-{Index.ToString(CultureInfo.InvariantCulture)}";

        public List<Instruction> Instructions { get; } = [];

        public StageBase Base { get; set; } = new(StageBaseKind.Scratch, Scratch, null);

        public bool BaseUsesUnknownArgs { get; set; }

        public string? Platform { get; set; }

        public List<Source> Sources { get; set; } = [];

        public List<Source> OnBuildSources { get; set; } = [];

        public DockerfileException? OnBuildError { get; set; }

        /// <summary>ARG and ENV values at the end of the stage, once dispatched (a stage built on it starts with them).</summary>
        public Dictionary<string, string> Env { get; set; } = new(StringComparer.Ordinal);

        public IEnumerable<int> DependsOn
        {
            get
            {
                if (Base.StageIndex is { } baseIndex)
                {
                    yield return baseIndex;
                }

                foreach (var source in OnBuildSources.Concat(Sources))
                {
                    if (source.StageIndex is { } index)
                    {
                        yield return index;
                    }
                }
            }
        }
    }

    /// <summary>
    /// What one COPY --from or RUN --mount from= names: a stage (<see cref="StageIndex"/>), else an
    /// image (<see cref="Image"/>). <see cref="Location"/> is where its errors are reported.
    /// </summary>
    private sealed record Source(Instruction Instruction, Instruction Location, string From, int? StageIndex, string? Image, string? MountTarget, bool IsMount);
}
