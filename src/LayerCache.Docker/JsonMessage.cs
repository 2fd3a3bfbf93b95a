using System.Text.Json;

namespace LayerCache.Docker;

/// <summary>
/// One message of the engine's JSON-lines progress streams (build, load, push, pull):
/// <c>{"stream":…}</c>, <c>{"status":…,"id":…,"progressDetail":…}</c>, <c>{"aux":…}</c> or
/// <c>{"errorDetail":{"message":…},"error":…}</c>.
/// </summary>
public sealed record JsonMessage
{
    /// <summary>Free text (build output, "Loaded image: …"), with its trailing newline.</summary>
    public string? Stream { get; init; }

    /// <summary>A status line, e.g. <c>Pushing</c>, <c>Layer already exists</c>, <c>Digest: sha256:…</c>.</summary>
    public string? Status { get; init; }

    /// <summary>What the status is about, usually a short layer id or a tag.</summary>
    public string? Id { get; init; }

    /// <summary>The engine's rendered progress bar, if any.</summary>
    public string? Progress { get; init; }

    /// <summary>Bytes done so far, from <c>progressDetail.current</c>.</summary>
    public long? Current { get; init; }

    /// <summary>Bytes in all, from <c>progressDetail.total</c>.</summary>
    public long? Total { get; init; }

    /// <summary>Auxiliary structured data (e.g. a push's tag, digest and size; a build's image id).</summary>
    public JsonElement? Aux { get; init; }

    /// <summary>The error message (<c>errorDetail.message</c>, else <c>error</c>), or null.</summary>
    public string? Error { get; init; }

    /// <summary>The error code (<c>errorDetail.code</c>), if the engine gave one.</summary>
    public int? ErrorCode { get; init; }

    /// <summary>True when this message reports a failure.</summary>
    public bool IsError => Error is not null;
}
