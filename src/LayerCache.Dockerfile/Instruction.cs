using System.Text;

namespace LayerCache.Dockerfile;

/// <summary>
/// One Dockerfile instruction as BuildKit's parser sees it: keyword, <c>--flags</c>, arguments
/// (already split the way the keyword is split, see <see cref="Arguments"/>), heredocs and lines.
/// </summary>
public sealed class Instruction
{
    internal Instruction(
        string keyword,
        IReadOnlyList<string> flags,
        IReadOnlyList<string> arguments,
        bool isJsonForm,
        Instruction? onBuild,
        string original)
    {
        Keyword = keyword;
        Flags = flags;
        Arguments = arguments;
        IsJsonForm = isJsonForm;
        OnBuild = onBuild;
        Original = original;
    }

    /// <summary>The instruction keyword in lower case (<c>run</c>, <c>copy</c>...).</summary>
    public string Keyword { get; }

    /// <summary>The flags as written, with quotes and escapes processed: <c>--from=build</c>, <c>--link</c>.</summary>
    public IReadOnlyList<string> Flags { get; }

    /// <summary>
    /// The arguments as BuildKit's parser produces them: one string for shell-form RUN/CMD/ENTRYPOINT/SHELL,
    /// one per element for JSON form, whitespace-separated words for FROM/COPY/ADD/EXPOSE/VOLUME,
    /// <c>key, value, separator</c> triples for ENV/LABEL (separator <c>=</c> or empty for the legacy
    /// <c>ENV key value</c> form), the raw words for ARG, and the check type followed by the command for
    /// HEALTHCHECK. Quotes are still in place except for JSON form. Empty for ONBUILD (see <see cref="OnBuild"/>).
    /// </summary>
    public IReadOnlyList<string> Arguments { get; }

    /// <summary>True when the arguments were written as a JSON array (exec form).</summary>
    public bool IsJsonForm { get; }

    /// <summary>Here-documents that follow this instruction, in the order their delimiters appear.</summary>
    public IReadOnlyList<Heredoc> Heredocs { get; internal set; } = [];

    /// <summary>For ONBUILD, the instruction it registers; otherwise null.</summary>
    public Instruction? OnBuild { get; }

    /// <summary>1-based first line of the instruction.</summary>
    public int StartLine { get; internal set; }

    /// <summary>1-based last line of the instruction, including continuation lines and heredoc bodies.</summary>
    public int EndLine { get; internal set; }

    /// <summary>The logical line: continuation lines joined, comments and heredoc bodies removed.</summary>
    public string Original { get; }

    /// <summary>
    /// The value of the last <c>--name=value</c> flag, <c>""</c> for a bare <c>--name</c>, null when absent.
    /// </summary>
    public string? GetFlag(string name)
    {
        var values = GetFlags(name);
        return values.Count == 0 ? null : values[^1];
    }

    /// <summary>The values of every <c>--name</c> flag in order (several <c>--mount</c> for instance).</summary>
    public IReadOnlyList<string> GetFlags(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var values = new List<string>();
        foreach (var flag in Flags)
        {
            if (!flag.StartsWith("--", StringComparison.Ordinal))
            {
                continue;
            }

            var body = flag.AsSpan(2);
            var equals = body.IndexOf('=');
            var flagName = equals < 0 ? body : body[..equals];
            if (flagName.SequenceEqual(name))
            {
                values.Add(equals < 0 ? string.Empty : body[(equals + 1)..].ToString());
            }
        }

        return values;
    }

    /// <inheritdoc />
    public override string ToString() => Original;

    /// <summary>The body of this instruction's dump line, without the surrounding parentheses.</summary>
    internal string DumpBody()
    {
        var text = new StringBuilder(Keyword);
        if (Flags.Count > 0)
        {
            text.Append(" [");
            for (var i = 0; i < Flags.Count; i++)
            {
                if (i > 0)
                {
                    text.Append(' ');
                }

                GoQuote.Append(text, Flags[i]);
            }

            text.Append(']');
        }

        if (OnBuild is not null)
        {
            text.Append(" (").Append(OnBuild.DumpBody()).Append(')');
        }

        foreach (var argument in Arguments)
        {
            text.Append(' ');
            GoQuote.Append(text, argument);
        }

        return text.ToString().Trim();
    }
}
