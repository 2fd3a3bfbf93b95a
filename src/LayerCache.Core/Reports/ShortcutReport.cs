namespace LayerCache.Core.Reports;

/// <summary>
/// The inputs shortcut: whether this build's inputs digest equalled a stored entry's, so the target
/// image was loaded and tagged instead of built; else why not (a refusal, or the inputs changed).
/// </summary>
public sealed record ShortcutReport
{
    /// <summary>The reason every step is reported cached when the shortcut is taken.</summary>
    public const string InputsUnchanged = "inputs unchanged";

    /// <summary>True when the build was skipped: the entry's target image stands for it.</summary>
    public bool Taken { get; init; }

    /// <summary>The inputs digest (<c>sha256:…</c>), when it was computed.</summary>
    public string? Inputs { get; init; }

    /// <summary>The entry whose target image was used, when taken.</summary>
    public string? Entry { get; init; }

    /// <summary>Why the shortcut was not taken (or not tried), one line each.</summary>
    public IReadOnlyList<string> Reasons { get; init; } = [];

    /// <summary>Entries (other than directories) of the build context that were digested.</summary>
    public long ContextFiles { get; init; }

    /// <summary>Content bytes of the build context that were digested.</summary>
    public long ContextBytes { get; init; }

    /// <summary>Bytes of the entry's layers that were not moved into the engine (the other stages', and those the engine had).</summary>
    public long BytesNotMoved { get; init; }

    /// <summary>
    /// True when the target image was not even loaded: the run pushes (<c>--push</c>, without <c>--load</c>) and
    /// every tag's registry already serves this image, so nothing was moved into the engine or tagged locally.
    /// </summary>
    public bool SkippedLoad { get; init; }

    /// <summary>Wall time of the digest (and, when taken, of the load and tags).</summary>
    public double Seconds { get; init; }
}
