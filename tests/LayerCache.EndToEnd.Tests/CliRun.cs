using System.Text.Json;
using System.Text.Json.Serialization;
using LayerCache.Core.Reports;

namespace LayerCache.EndToEnd.Tests;

/// <summary>One run of <c>layercache</c>: exit code and what it printed.</summary>
internal sealed record CliRun(IReadOnlyList<string> Arguments, int ExitCode, string Stdout, string Stderr)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
    };

    /// <summary>The <c>--format json</c> report on stdout.</summary>
    public RunReport Report => Parse<RunReport>();

    /// <summary>stdout parsed as <typeparamref name="T"/>; fails the test with the whole run when it is not.</summary>
    public T Parse<T>()
    {
        try
        {
            return JsonSerializer.Deserialize<T>(Stdout, Json) ?? throw new JsonException("null document");
        }
        catch (JsonException e)
        {
            throw new InvalidOperationException($"stdout of {this} is not a {typeof(T).Name}: {e.Message}", e);
        }
    }

    /// <summary>Fails with the whole run unless the exit code is <paramref name="expected"/>.</summary>
    public CliRun ExpectExit(int expected)
    {
        if (ExitCode != expected)
        {
            throw new Xunit.Sdk.XunitException($"expected exit code {expected}, got {this}");
        }

        return this;
    }

    /// <inheritdoc/>
    public override string ToString() =>
        $"layercache {string.Join(' ', Arguments)} → exit {ExitCode}\n--- stdout:\n{Tail(Stdout)}\n--- stderr:\n{Tail(Stderr)}";

    private static string Tail(string text) => text.Length <= 6000 ? text : "…" + text[^6000..];
}
