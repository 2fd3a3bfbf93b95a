using System.Text;
using System.Text.Json;
using Json.Schema;

namespace LayerCache.Testing;

/// <summary>
/// The JSON Schemas of the CLI's output (<c>docs/schema/</c>, copied beside the test binaries), and a
/// validation that names every failing location, so a test shows what in the output broke the schema.
/// </summary>
public static class ReportSchemas
{
    private static readonly Lazy<JsonSchema> ReportSchema = new(() => Load("report-v1.json"));
    private static readonly Lazy<JsonSchema> MetadataSchema = new(() => Load("metadata-v1.json"));

    /// <summary><c>report-v1.json</c>: every <c>--format json</c> document.</summary>
    public static JsonSchema Report => ReportSchema.Value;

    /// <summary><c>metadata-v1.json</c>: the <c>--metadata-file</c> object.</summary>
    public static JsonSchema Metadata => MetadataSchema.Value;

    /// <summary>The path of a schema file beside the test binaries.</summary>
    public static string PathOf(string name) => Path.Combine(AppContext.BaseDirectory, "schema", name);

    /// <summary>Null when <paramref name="json"/> is valid against <paramref name="schema"/>, else the errors, one per line.</summary>
    public static string? Errors(JsonSchema schema, string json)
    {
        ArgumentNullException.ThrowIfNull(schema);
        using var document = JsonDocument.Parse(json);
        var results = schema.Evaluate(document.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List, RequireFormatValidation = true });
        if (results.IsValid)
        {
            return null;
        }

        var text = new StringBuilder();
        foreach (var detail in results.Details ?? [])
        {
            foreach (var (keyword, error) in detail.Errors ?? new Dictionary<string, string>())
            {
                text.Append(detail.InstanceLocation).Append(" (").Append(detail.EvaluationPath).Append(") ").Append(keyword).Append(": ").Append(error).Append('\n');
            }
        }

        return text.Length > 0 ? text.ToString() : "invalid";
    }

    /// <summary>Fails unless <paramref name="json"/> is valid against <paramref name="schema"/>, naming each error and the document.</summary>
    public static void AssertValid(JsonSchema schema, string json)
    {
        if (Errors(schema, json) is { } errors)
        {
            throw new Xunit.Sdk.XunitException($"not valid against {schema.BaseUri}:\n{errors}\ndocument:\n{json}");
        }
    }

    private static JsonSchema Load(string name) =>
        JsonSchema.FromText(File.ReadAllText(PathOf(name)), new BuildOptions { SchemaRegistry = new SchemaRegistry() });
}
