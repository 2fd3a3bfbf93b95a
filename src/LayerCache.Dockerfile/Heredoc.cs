namespace LayerCache.Dockerfile;

/// <summary>
/// A here-document attached to an instruction (<c>RUN &lt;&lt;EOF</c>, <c>COPY &lt;&lt;EOF /dst</c>).
/// </summary>
/// <param name="Name">The delimiter word with quotes removed (<c>EOF</c> for <c>&lt;&lt;"EOF"</c>).</param>
/// <param name="Content">
/// The body, every line with its line ending, without the terminator line. For <c>&lt;&lt;-</c>
/// the leading tabs of each line are already removed, so this is the content as the build sees it.
/// </param>
/// <param name="Expand">False when the delimiter was quoted: the body is not variable-expanded.</param>
/// <param name="StripTabs">True for <c>&lt;&lt;-</c>.</param>
public sealed record Heredoc(string Name, string Content, bool Expand, bool StripTabs)
{
    /// <summary>The file descriptor written before <c>&lt;&lt;</c> (<c>3&lt;&lt;EOF</c>); 0 when absent.</summary>
    public int FileDescriptor { get; init; }
}
