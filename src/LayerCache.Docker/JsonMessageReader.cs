using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;

namespace LayerCache.Docker;

/// <summary>
/// Reads the engine's JSON-lines progress streams (one JSON object per line) as they arrive, without
/// buffering the whole response. Error messages are returned as data (<see cref="JsonMessage.IsError"/>);
/// the caller decides whether to throw.
/// </summary>
public static class JsonMessageReader
{
    /// <summary>Yields each message of <paramref name="stream"/> until it ends.</summary>
    public static async IAsyncEnumerable<JsonMessage> ReadAllAsync(Stream stream, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var reader = new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: false, bufferSize: 16 * 1024, leaveOpen: true);
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (!string.IsNullOrWhiteSpace(line))
            {
                yield return Parse(line);
            }
        }
    }

    /// <summary>
    /// Parses one line. A line that is not a JSON object becomes a <see cref="JsonMessage.Stream"/>
    /// message: progress output is informational and must not fail an operation by itself.
    /// </summary>
    public static JsonMessage Parse(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        JsonMessageWire? wire;
        try
        {
            wire = JsonSerializer.Deserialize(line, DockerJsonContext.Default.JsonMessageWire);
        }
        catch (JsonException)
        {
            wire = null;
        }

        if (wire is null)
        {
            return new JsonMessage { Stream = line };
        }

        var error = wire.ErrorDetail?.Message is { Length: > 0 } detail ? detail : wire.Error;
        return new JsonMessage
        {
            Stream = wire.Stream,
            Status = wire.Status,
            Id = wire.Id,
            Progress = wire.Progress,
            Current = wire.ProgressDetail?.Current,
            Total = wire.ProgressDetail?.Total,
            Aux = wire.Aux is { ValueKind: not JsonValueKind.Null and not JsonValueKind.Undefined } aux ? aux : null,
            Error = error,
            ErrorCode = wire.ErrorDetail?.Code,
        };
    }
}
