namespace LayerCache.Dockerfile.Tests;

public class ParserTests
{
    private static Instruction Single(string text, int index = 0) => DockerfileParser.Parse(text).Instructions[index];

    [Fact]
    public void Several_heredocs_in_one_instruction_are_read_in_order()
    {
        var syntax = DockerfileParser.Parse(
            "FROM alpine\nRUN <<FILE1 cat > /a && <<FILE2 cat > /b\nfirst $X\nFILE1\nsecond\nFILE2\nRUN echo done\n");

        var run = syntax.Instructions[1];
        Assert.Equal(["<<FILE1 cat > /a && <<FILE2 cat > /b"], run.Arguments);
        Assert.Equal(
            [new Heredoc("FILE1", "first $X\n", true, false), new Heredoc("FILE2", "second\n", true, false)],
            run.Heredocs);
        Assert.Equal((2, 6), (run.StartLine, run.EndLine));
        Assert.Equal(7, syntax.Instructions[2].StartLine);
        Assert.Equal("(from \"alpine\")\n(run \"<<FILE1 cat > /a && <<FILE2 cat > /b\")\n(run \"echo done\")\n", syntax.Dump());
    }

    [Fact]
    public void Dash_heredoc_strips_leading_tabs_and_accepts_an_indented_terminator()
    {
        var run = Single("FROM alpine\nRUN <<-EOT\n\techo a\n\t\t  echo b\n\tEOT\n", 1);

        var heredoc = Assert.Single(run.Heredocs);
        Assert.True(heredoc.StripTabs);
        Assert.Equal("echo a\n  echo b\n", heredoc.Content);
    }

    [Fact]
    public void Plain_heredoc_keeps_tabs_and_needs_an_exact_terminator()
    {
        var run = Single("FROM alpine\nRUN <<EOT\n\techo a\n\tEOT\nEOT\n", 1);

        Assert.Equal("\techo a\n\tEOT\n", Assert.Single(run.Heredocs).Content);
    }

    [Theory]
    [InlineData("<<\"EOF\"")]
    [InlineData("<<'EOF'")]
    [InlineData("<<E\"O\"F")]
    public void Quoted_delimiters_disable_expansion(string delimiter)
    {
        var run = Single($"FROM alpine\nRUN {delimiter}\necho $HOME\nEOF\n", 1);

        var heredoc = Assert.Single(run.Heredocs);
        Assert.Equal("EOF", heredoc.Name);
        Assert.False(heredoc.Expand);
        Assert.Equal("echo $HOME\n", heredoc.Content);
    }

    [Fact]
    public void Copy_heredoc_to_a_destination()
    {
        var copy = Single("FROM alpine\nCOPY --chmod=755 <<EOF /usr/local/bin/hello\n#!/bin/sh\necho hello\nEOF\n", 1);

        Assert.Equal(["<<EOF", "/usr/local/bin/hello"], copy.Arguments);
        Assert.Equal("755", copy.GetFlag("chmod"));
        var heredoc = Assert.Single(copy.Heredocs);
        Assert.Equal("#!/bin/sh\necho hello\n", heredoc.Content);
        Assert.True(heredoc.Expand);
    }

    [Fact]
    public void Heredoc_with_file_descriptor_and_crlf_line_endings()
    {
        var run = Single("FROM alpine\r\nRUN 3<<EOF cat <&3\r\nbody\r\nEOF\r\n", 1);

        var heredoc = Assert.Single(run.Heredocs);
        Assert.Equal(3, heredoc.FileDescriptor);
        Assert.Equal("body\r\n", heredoc.Content);
    }

    [Fact]
    public void Json_form_and_other_keywords_have_no_heredocs()
    {
        var syntax = DockerfileParser.Parse("FROM alpine\nRUN [\"sh\", \"-c\", \"cat <<EOF\"]\nCMD cat <<EOF\n");

        Assert.Empty(syntax.Instructions[1].Heredocs);
        Assert.True(syntax.Instructions[1].IsJsonForm);
        Assert.Empty(syntax.Instructions[2].Heredocs);
        Assert.Equal(3, syntax.Instructions.Count);
    }

    [Fact]
    public void Onbuild_heredoc_is_attached_to_the_trigger()
    {
        var onbuild = Single("FROM alpine\nONBUILD RUN <<EOF\necho hi\nEOF\n", 1);

        Assert.Equal("run", onbuild.OnBuild!.Keyword);
        Assert.Equal("echo hi\n", Assert.Single(onbuild.OnBuild.Heredocs).Content);
        Assert.Equal("(onbuild (run \"<<EOF\"))\n", DockerfileParser.Parse("FROM a\nONBUILD RUN <<EOF\nx\nEOF\n").Dump().Split('\n', 2)[1]);
    }

    [Fact]
    public void Unterminated_heredoc_reports_its_start_line()
    {
        var error = Assert.Throws<DockerfileException>(
            () => DockerfileParser.Parse("FROM alpine\n\nRUN echo one\nRUN <<EOF\nline\nline\n", "build/Dockerfile"));

        Assert.Equal(4, error.Line);
        Assert.Equal("build/Dockerfile", error.FileName);
        Assert.Equal("build/Dockerfile:4: unterminated heredoc EOF", error.Message);
    }

    [Fact]
    public void Backtick_escape_continues_lines_across_comments_and_blank_lines()
    {
        var syntax = DockerfileParser.Parse(
            "# escape=`\n\nFROM mcr.microsoft.com/windows/servercore\nRUN dir C:\\ `\n    # a comment inside\n\n    && echo done\nCOPY a\\b c:\\dest\\\n");

        Assert.Equal('`', syntax.EscapeToken);
        Assert.Equal("`", syntax.Directives["escape"]);
        var run = syntax.Instructions[1];
        Assert.Equal(["dir C:\\     && echo done"], run.Arguments);
        Assert.Equal((4, 7), (run.StartLine, run.EndLine));
        Assert.Equal(["a\\b", "c:\\dest\\"], syntax.Instructions[2].Arguments);
        Assert.Equal(8, syntax.Instructions[2].StartLine);
    }

    [Fact]
    public void Directives_stop_at_the_first_other_line()
    {
        var syntax = DockerfileParser.Parse("# syntax=docker/dockerfile:1.7\n# check=skip=all\n# hello\n# escape=`\nFROM a\nRUN x \\\n  y\n");

        Assert.Equal("docker/dockerfile:1.7", syntax.Directives["syntax"]);
        Assert.Equal("skip=all", syntax.Directives["check"]);
        Assert.False(syntax.Directives.ContainsKey("escape"));
        Assert.Equal('\\', syntax.EscapeToken);
        Assert.Equal(["x   y"], syntax.Instructions[1].Arguments);
    }

    [Theory]
    [InlineData("# escape=`\n# escape=\\\nFROM a\n", 2, "only one escape parser directive can be used")]
    [InlineData("# escape=x\nFROM a\n", 1, "invalid escape token 'x' does not match ` or \\")]
    public void Bad_directives_are_errors(string text, int line, string problem)
    {
        var error = Assert.Throws<DockerfileException>(() => DockerfileParser.Parse(text));

        Assert.Equal(line, error.Line);
        Assert.Equal(problem, error.Problem);
    }

    [Fact]
    public void Flags_are_kept_raw_and_looked_up_by_name()
    {
        var copy = Single("FROM a\nCOPY --from=build --link --chown=1000:1000 --chmod=0644 --x-custom=\"a b\" -- --odd /dst\n", 1);

        Assert.Equal(["--from=build", "--link", "--chown=1000:1000", "--chmod=0644", "--x-custom=a b"], copy.Flags);
        Assert.Equal(["--odd", "/dst"], copy.Arguments);
        Assert.Equal("build", copy.GetFlag("from"));
        Assert.Equal(string.Empty, copy.GetFlag("link"));
        Assert.Equal("a b", copy.GetFlag("x-custom"));
        Assert.Null(copy.GetFlag("platform"));

        var run = Single("FROM a\nRUN --mount=type=cache,target=/root/.cache --mount=type=bind,from=deps,target=/d --network=none make\n", 1);
        Assert.Equal(["type=cache,target=/root/.cache", "type=bind,from=deps,target=/d"], run.GetFlags("mount"));
        Assert.Equal("none", run.GetFlag("network"));
        Assert.Equal(["make"], run.Arguments);
    }

    [Fact]
    public void Env_label_and_arg_forms()
    {
        var syntax = DockerfileParser.Parse("FROM a\nENV A=1 B=\"two words\"\nENV LEGACY value with spaces\nLABEL x=y\nARG V=1 W\n");

        Assert.Equal(["A", "1", "=", "B", "\"two words\"", "="], syntax.Instructions[1].Arguments);
        Assert.Equal(["LEGACY", "value with spaces", ""], syntax.Instructions[2].Arguments);
        Assert.Equal(["x", "y", "="], syntax.Instructions[3].Arguments);
        Assert.Equal(["V=1", "W"], syntax.Instructions[4].Arguments);
    }

    [Fact]
    public void Healthcheck_and_exec_form()
    {
        var syntax = DockerfileParser.Parse("FROM a\nHEALTHCHECK --interval=5s CMD [\"curl\", \"-f\", \"http://localhost/\"]\nHEALTHCHECK NONE\nENTRYPOINT [\"/bin/app\"]\nCMD run it\n");

        var health = syntax.Instructions[1];
        Assert.Equal(["CMD", "curl", "-f", "http://localhost/"], health.Arguments);
        Assert.True(health.IsJsonForm);
        Assert.Equal("5s", health.GetFlag("interval"));
        Assert.Equal(["NONE"], syntax.Instructions[2].Arguments);
        Assert.True(syntax.Instructions[3].IsJsonForm);
        Assert.False(syntax.Instructions[4].IsJsonForm);
        Assert.Equal(["run it"], syntax.Instructions[4].Arguments);
    }

    [Fact]
    public void Keywords_are_case_insensitive_and_lines_are_tracked()
    {
        var syntax = DockerfileParser.Parse("\uFEFF# comment\n\nfrom a\n  Run echo \\\n   hi\nWORKDIR /app\n");

        Assert.Equal(["from", "run", "workdir"], syntax.Instructions.Select(i => i.Keyword));
        Assert.Equal([3, 4, 6], syntax.Instructions.Select(i => i.StartLine));
        Assert.Equal([3, 5, 6], syntax.Instructions.Select(i => i.EndLine));
        Assert.Equal("Run echo    hi", syntax.Instructions[1].Original);
    }

    [Fact]
    public void Unknown_instruction_reports_its_line()
    {
        var text = "FROM alpine\n\n# build\nRUN a \\\n  b\nWORKDIR /x\nFORM nope\nRUN c\n";

        var error = Assert.Throws<DockerfileException>(() => DockerfileParser.Parse(text));

        Assert.Equal(7, error.Line);
        Assert.Equal("Dockerfile:7: unknown instruction: FORM", error.Message);
    }

    [Theory]
    [InlineData("FROM a\nENV PATH\n", 2, "ENV must have two arguments")]
    [InlineData("FROM a\nLABEL a=b c\n", 2, "Syntax error - can't find = in \"c\". Must be of the form: name=value")]
    [InlineData("FROM a\n\nCMD [\"a\", 1]\n", 3, "when using JSON array syntax, arrays must be comprised of strings only")]
    [InlineData("FROM a\nONBUILD FROM b\n", 2, "FROM isn't allowed as an ONBUILD trigger")]
    [InlineData("\n\n# only a comment\n", 3, "file with no instructions")]
    [InlineData("", 1, "file with no instructions")]
    public void Errors_carry_their_line(string text, int line, string problem)
    {
        var error = Assert.Throws<DockerfileException>(() => DockerfileParser.Parse(text));

        Assert.Equal(line, error.Line);
        Assert.Equal(problem, error.Problem);
        Assert.Equal($"Dockerfile:{line}: {problem}", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public async Task ParseFileAsync_reads_the_file_and_names_it_in_errors()
    {
        var path = Path.Combine(Path.GetTempPath(), $"layercache-{Guid.NewGuid():N}.Dockerfile");
        await File.WriteAllTextAsync(path, "FROM alpine\nBOGUS\n");
        try
        {
            var error = await Assert.ThrowsAsync<DockerfileException>(() => DockerfileParser.ParseFileAsync(path, CancellationToken.None));
            Assert.Equal(path, error.FileName);
            Assert.Equal(2, error.Line);

            await File.WriteAllTextAsync(path, "FROM alpine\n");
            var syntax = await DockerfileParser.ParseFileAsync(path, CancellationToken.None);
            Assert.Equal(path, syntax.FileName);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
