using System.Text.Json;

namespace LayerCache.Core.Scopes;

/// <summary>
/// Reads what GitHub Actions states only in the event payload (<c>GITHUB_EVENT_PATH</c>): the
/// repository's default branch (<c>repository.default_branch</c>), which no variable gives and
/// <c>actions/checkout</c> never records as git's <c>origin/HEAD</c>. Bounded and fail-safe: a
/// missing, huge, special or malformed file says nothing.
/// </summary>
internal static class GitHubEventFile
{
    /// <summary>GitHub caps webhook payloads at 25 MB; a bigger file is not an event payload.</summary>
    private const long MaxBytes = 25L << 20;

    /// <summary>The default branch the payload states, or null.</summary>
    public static string? ReadDefaultBranch(string? path)
    {
        if (string.IsNullOrEmpty(path))
        {
            return null;
        }

        try
        {
            // A FIFO or device reports length 0 and is never opened (opening a FIFO would block).
            var info = new FileInfo(path);
            if (!info.Exists || info.Length == 0 || info.Length > MaxBytes)
            {
                return null;
            }

            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
            var buffer = new byte[(int)info.Length];
            var read = stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
            using var document = JsonDocument.Parse(buffer.AsMemory(0, read));
            return document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("repository", out var repository)
                && repository.ValueKind == JsonValueKind.Object
                && repository.TryGetProperty("default_branch", out var branch)
                && branch.ValueKind == JsonValueKind.String
                && branch.GetString() is { Length: > 0 } name
                    ? name
                    : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            return null;
        }
    }
}
