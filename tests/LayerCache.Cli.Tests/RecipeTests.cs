using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace LayerCache.Cli.Tests;

/// <summary>
/// The CI recipes work as written: every YAML file in examples/ci, the Action and the README's
/// fenced YAML blocks parse, and every <c>layercache …</c> command line in them, in the Jenkinsfile
/// and in the README's shell blocks names a command and flags the real CLI parser accepts.
/// </summary>
public sealed partial class RecipeTests
{
    private static string Root => CliRunner.RepositoryRoot;

    public static TheoryData<string, string, string[]> Commands()
    {
        var data = new TheoryData<string, string, string[]>();
        foreach (var (source, line, arguments) in CommandLines())
        {
            data.Add(source, line, arguments);
        }

        return data;
    }

    private static List<(string Source, string Line, string[] Arguments)> CommandLines()
    {
        var found = new List<(string, string, string[])>();
        foreach (var (source, script) in Scripts())
        {
            foreach (var (line, arguments) in ShellCommands.Find(script))
            {
                // A usage synopsis ([-f Dockerfile] [-t TAG]...) names optional parts; it is no command line.
                if (!arguments.Any(a => a.StartsWith('[')))
                {
                    found.Add((source, line, arguments));
                }
            }
        }

        return found;
    }

    [Fact]
    public void Every_recipe_file_is_checked()
    {
        var files = Directory.GetFiles(Path.Combine(Root, "examples", "ci")).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        Assert.Contains("github-actions.yml", files);
        Assert.Contains("gitlab-ci.yml", files);
        Assert.Contains("circleci.yml", files);
        Assert.Contains("Jenkinsfile", files);
        Assert.Contains("bamboo-specs.yml", files);
        var sources = CommandLines().Select(c => c.Source).ToHashSet(StringComparer.Ordinal);
        foreach (var file in files)
        {
            // Each recipe runs layercache at least once, so each is in the command check below.
            Assert.Contains($"examples/ci/{file}", sources);
        }

        Assert.Contains("action.yml", sources);
        Assert.Contains(sources, s => s.StartsWith("README.md", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(YamlFiles))]
    public void Yaml_parses(string source)
    {
        var yaml = new YamlStream();
        yaml.Load(new StringReader(YamlText(source)));
        Assert.NotEmpty(yaml.Documents);
        // A file is a mapping (a pipeline, an action); a README snippet may be a list of steps.
        Assert.True(yaml.Documents[0].RootNode is YamlMappingNode or YamlSequenceNode, $"{source} is neither a mapping nor a list");
    }

    public static TheoryData<string> YamlFiles()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(Path.Combine(Root, "examples", "ci"), "*.yml").Order(StringComparer.Ordinal))
        {
            data.Add($"examples/ci/{Path.GetFileName(file)}");
        }

        data.Add("action.yml");
        foreach (var (name, language, _) in ReadmeBlocks())
        {
            if (language == "yaml")
            {
                data.Add(name);
            }
        }

        return data;
    }

    [Fact]
    public void The_yaml_check_refuses_the_old_CircleCI_flow_list()
    {
        // The README's CircleCI snippet once had this line: "{{" opens a flow mapping inside the flow list.
        var yaml = new YamlStream();
        Assert.ThrowsAny<YamlDotNet.Core.YamlException>(() => yaml.Load(new StringReader(
            "- restore_cache:\n    keys: [layercache-v1-{{ .Branch }}-, layercache-v1-main-]\n")));
    }

    [Theory]
    [MemberData(nameof(Commands))]
    public async Task Command_and_flags_exist(string source, string line, string[] arguments)
    {
        var (code, stderr) = await CheckAsync(arguments);
        Assert.True(code == 0 && stderr.Length == 0, $"{source}: `{line}` is refused by the CLI's parser: {stderr}");
    }

    [Theory]
    [InlineData("build --bogus .")]
    [InlineData("biuld .")]
    [InlineData("restore --keep current .")]
    [InlineData("key -t app .")]
    public async Task The_check_refuses_what_the_cli_refuses(string line)
    {
        var found = ShellCommands.Find("export X=1\nlayercache " + line + " > out.txt # a comment\n").Single();
        var (code, stderr) = await CheckAsync(found.Arguments);
        Assert.Equal(2, code);
        Assert.StartsWith("layercache: unknown", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void The_shell_reader_finds_commands_where_a_shell_would_run_them()
    {
        var script = """
            echo "key=$(layercache key --format json -f "docker/Dockerfile" .)" >> "$GITHUB_OUTPUT"
            LAYERCACHE_CACHE=/c layercache build -t "app:${CI_SHA}" --keep current $EXTRA \
              --max-size 2GB . 2>&1 | tee build.log
            # layercache prune --keep 1d
            test -f x && layercache ls --format json > ls.json; echo 'layercache verify'
            """;
        var found = ShellCommands.Find(script).Select(c => string.Join(' ', c.Arguments)).ToList();
        Assert.Equal(
            ["key --format json -f docker/Dockerfile .", "build -t app:${CI_SHA} --keep current --max-size 2GB .", "ls --format json"],
            found);
    }

    [Fact]
    public void The_action_is_a_composite_action_whose_steps_and_inputs_are_consistent()
    {
        var yaml = new YamlStream();
        yaml.Load(new StringReader(File.ReadAllText(Path.Combine(Root, "action.yml"))));
        var root = (YamlMappingNode)yaml.Documents[0].RootNode;
        Assert.Equal("composite", Scalar(Map(root, "runs"), "using"));
        var inputs = Map(root, "inputs").Children.Keys.Select(k => ((YamlScalarNode)k).Value!).ToHashSet(StringComparer.Ordinal);
        var steps = (YamlSequenceNode)Map(root, "runs").Children[new YamlScalarNode("steps")];
        var text = File.ReadAllText(Path.Combine(Root, "action.yml"));
        AssertStepOutputsAreWritten(steps.Children.Cast<YamlMappingNode>(), text, composite: true);
        foreach (Match used in InputUse().Matches(text))
        {
            Assert.Contains(used.Groups[1].Value, inputs);
        }
    }

    [Fact]
    public void The_workflow_reads_only_step_outputs_its_steps_write()
    {
        var text = File.ReadAllText(Path.Combine(Root, "examples", "ci", "github-actions.yml"));
        var yaml = new YamlStream();
        yaml.Load(new StringReader(text));
        var jobs = Map((YamlMappingNode)yaml.Documents[0].RootNode, "jobs");
        var steps = jobs.Children.Values.Cast<YamlMappingNode>()
            .SelectMany(job => ((YamlSequenceNode)job.Children[new YamlScalarNode("steps")]).Children.Cast<YamlMappingNode>());
        AssertStepOutputsAreWritten(steps, text, composite: false);
    }

    /// <summary>
    /// Every <c>steps.ID.outputs.NAME</c> the file reads is written by the step with that id: a run step's
    /// <c>echo "NAME=…" &gt;&gt; "$GITHUB_OUTPUT"</c>, or actions/cache's own outputs. A typo there is an
    /// empty string at run time, so a save that never runs, and no error anywhere.
    /// </summary>
    private static void AssertStepOutputsAreWritten(IEnumerable<YamlMappingNode> steps, string text, bool composite)
    {
        var outputs = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var step in steps)
        {
            var has = step.Children.Keys.Select(k => ((YamlScalarNode)k).Value!).ToHashSet(StringComparer.Ordinal);
            Assert.True(has.Contains("run") ^ has.Contains("uses"), "a step either runs or uses");
            HashSet<string> written;
            if (has.Contains("run"))
            {
                if (composite)
                {
                    // A composite action's run steps must name their shell.
                    Assert.Equal("bash", Scalar(step, "shell"));
                }

                written = OutputWrite().Matches(Scalar(step, "run")).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);
            }
            else
            {
                Assert.Matches("^actions/(checkout|cache/restore|cache/save)@v4$", Scalar(step, "uses"));
                written = new(StringComparer.Ordinal) { "cache-hit", "cache-primary-key", "cache-matched-key" };
            }

            if (has.Contains("id"))
            {
                Assert.True(outputs.TryAdd(Scalar(step, "id"), written), "step ids are unique");
            }
        }

        var uses = StepOutputUse().Matches(text);
        Assert.NotEmpty(uses);
        foreach (Match used in uses)
        {
            Assert.True(outputs.TryGetValue(used.Groups[1].Value, out var written), $"no step with id {used.Groups[1].Value}");
            Assert.Contains(used.Groups[2].Value, written);
        }
    }

    private static async Task<(int Code, string Stderr)> CheckAsync(string[] arguments)
    {
        // --help before any "--": the parser checks the command and every flag, then prints help
        // instead of running a build.
        var separator = Array.IndexOf(arguments, "--");
        var args = separator < 0 ? [.. arguments, "--help"] : arguments[..separator].Append("--help").Concat(arguments[separator..]).ToArray();
        var (code, _, stderr) = await CliRunner.RunAsync(args);
        return (code, stderr.Trim());
    }

    private static IEnumerable<(string Source, string Script)> Scripts()
    {
        foreach (var file in Directory.GetFiles(Path.Combine(Root, "examples", "ci")).Order(StringComparer.Ordinal))
        {
            var name = $"examples/ci/{Path.GetFileName(file)}";
            if (file.EndsWith(".yml", StringComparison.Ordinal))
            {
                foreach (var script in YamlScripts(File.ReadAllText(file)))
                {
                    yield return (name, script);
                }
            }
            else
            {
                // Jenkinsfile: the shell steps' strings.
                foreach (Match step in JenkinsShell().Matches(File.ReadAllText(file)))
                {
                    yield return (name, step.Groups[2].Value);
                }
            }
        }

        foreach (var script in YamlScripts(File.ReadAllText(Path.Combine(Root, "action.yml"))))
        {
            yield return ("action.yml", script);
        }

        foreach (var (name, language, text) in ReadmeBlocks())
        {
            if (language == "yaml")
            {
                foreach (var script in YamlScripts(text))
                {
                    yield return (name, script);
                }
            }
            else if (language is "sh" or "bash" or "shell" or "")
            {
                yield return (name, text);
            }
        }
    }

    /// <summary>Every scalar a CI runs as a script: all of them but names and descriptions.</summary>
    private static IEnumerable<string> YamlScripts(string text)
    {
        var yaml = new YamlStream();
        yaml.Load(new StringReader(text));
        var scripts = new List<string>();
        foreach (var document in yaml.Documents)
        {
            Walk(document.RootNode, key: null, scripts);
        }

        return scripts;
    }

    private static void Walk(YamlNode node, string? key, List<string> scripts)
    {
        switch (node)
        {
            case YamlScalarNode scalar when key is not ("name" or "description") && scalar.Value is { } value:
                scripts.Add(value);
                break;
            case YamlSequenceNode sequence:
                foreach (var child in sequence.Children)
                {
                    Walk(child, key, scripts);
                }

                break;
            case YamlMappingNode mapping:
                foreach (var (k, v) in mapping.Children)
                {
                    Walk(v, (k as YamlScalarNode)?.Value, scripts);
                }

                break;
        }
    }

    private static IEnumerable<(string Name, string Language, string Text)> ReadmeBlocks()
    {
        var lines = File.ReadAllLines(Path.Combine(Root, "README.md"));
        for (var i = 0; i < lines.Length; i++)
        {
            if (!lines[i].StartsWith("```", StringComparison.Ordinal))
            {
                continue;
            }

            var language = lines[i][3..].Trim();
            var start = i + 1;
            var end = start;
            while (end < lines.Length && !lines[end].StartsWith("```", StringComparison.Ordinal))
            {
                end++;
            }

            yield return ($"README.md:{start}", language, string.Join('\n', lines[start..end]));
            i = end;
        }
    }

    private static string YamlText(string source) => source.StartsWith("README.md:", StringComparison.Ordinal)
        ? ReadmeBlocks().Single(b => b.Name == source).Text
        : File.ReadAllText(Path.Combine(Root, source));

    private static YamlMappingNode Map(YamlMappingNode node, string key) => (YamlMappingNode)node.Children[new YamlScalarNode(key)];

    private static string Scalar(YamlMappingNode node, string key) => ((YamlScalarNode)node.Children[new YamlScalarNode(key)]).Value!;

    [GeneratedRegex(@"\bsh\s+(['""])(.*?)\1", RegexOptions.Singleline)]
    private static partial Regex JenkinsShell();

    [GeneratedRegex(@"\$\{\{\s*inputs\.([A-Za-z0-9_-]+)\s*\}\}")]
    private static partial Regex InputUse();

    [GeneratedRegex(@"steps\.([A-Za-z0-9_-]+)\.outputs\.([A-Za-z0-9_-]+)")]
    private static partial Regex StepOutputUse();

    [GeneratedRegex(@"echo ""([A-Za-z0-9_-]+)=[^\n]*>> ""\$GITHUB_OUTPUT""")]
    private static partial Regex OutputWrite();
}
