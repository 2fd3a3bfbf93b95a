namespace LayerCache.Testing;

/// <summary>One line of a child process's output, with the stream it came from and when it arrived.</summary>
public readonly record struct ProcessOutputLine(string Text, bool IsStandardError, DateTimeOffset ReceivedAt);
