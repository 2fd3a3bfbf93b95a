using System.Text;

namespace LayerCache.Dockerfile;

/// <summary>
/// A parsed Dockerfile: its parser directives and instructions in file order. Produced by
/// <see cref="DockerfileParser.Parse"/>; turned into stages by <see cref="StageGraph.Plan"/>.
/// </summary>
public sealed class DockerfileSyntax
{
    internal DockerfileSyntax(
        string fileName,
        IReadOnlyList<Instruction> instructions,
        IReadOnlyDictionary<string, string> directives,
        char escapeToken)
    {
        FileName = fileName;
        Instructions = instructions;
        Directives = directives;
        EscapeToken = escapeToken;
    }

    /// <summary>The name errors are reported under.</summary>
    public string FileName { get; }

    /// <summary>Every instruction in file order (ONBUILD triggers are nested, not listed here).</summary>
    public IReadOnlyList<Instruction> Instructions { get; }

    /// <summary>Parser directives found at the top of the file (<c>syntax</c>, <c>escape</c>, <c>check</c>), by lower-case name.</summary>
    public IReadOnlyDictionary<string, string> Directives { get; }

    /// <summary>The escape and line-continuation character: <c>\</c> or <c>`</c>.</summary>
    public char EscapeToken { get; }

    /// <summary>
    /// Renders the parse tree in BuildKit's dump format: one <c>(keyword ["flags"] "args"...)</c>
    /// line per instruction, each ending with a newline.
    /// </summary>
    public string Dump()
    {
        var text = new StringBuilder();
        foreach (var instruction in Instructions)
        {
            text.Append('(').Append(instruction.DumpBody()).Append(")\n");
        }

        return text.ToString();
    }
}
