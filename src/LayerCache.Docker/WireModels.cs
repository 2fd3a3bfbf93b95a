using System.Text.Json;
using System.Text.Json.Serialization;

namespace LayerCache.Docker;

// The engine's JSON shapes, kept internal: the public records above expose typed digests and
// non-null collections, and do not change when the wire format grows fields.
#pragma warning disable CA1812 // Instantiated by the System.Text.Json source generator.

internal sealed class ErrorResponseWire
{
    [JsonPropertyName("message")]
    public string? Message { get; set; }
}

internal sealed class VersionWire
{
    public string? Version { get; set; }
    public string? ApiVersion { get; set; }
    public string? MinAPIVersion { get; set; }
    public string? GitCommit { get; set; }
    public string? GoVersion { get; set; }
    public string? Os { get; set; }
    public string? Arch { get; set; }
    public string? KernelVersion { get; set; }
}

internal sealed class InfoWire
{
    public string? ID { get; set; }
    public string? Name { get; set; }
    public string? ServerVersion { get; set; }
    public string? Driver { get; set; }
    public string? DockerRootDir { get; set; }
    public int Images { get; set; }
    public int Containers { get; set; }
    public string? OperatingSystem { get; set; }
    public string? OSType { get; set; }
    public string? Architecture { get; set; }
    public int NCPU { get; set; }
    public long MemTotal { get; set; }
    public RegistryConfigWire? RegistryConfig { get; set; }
}

internal sealed class RegistryConfigWire
{
    public List<string>? InsecureRegistryCIDRs { get; set; }
    public List<string>? Mirrors { get; set; }
}

internal sealed class ImageInspectWire
{
    public string? Id { get; set; }
    public List<string>? RepoTags { get; set; }
    public List<string>? RepoDigests { get; set; }
    public string? Parent { get; set; }
    public string? Created { get; set; }
    public long Size { get; set; }
    public string? Os { get; set; }
    public string? Architecture { get; set; }
    public ImageConfigWire? Config { get; set; }
    public RootFsWire? RootFS { get; set; }
}

internal sealed class ImageConfigWire
{
    public Dictionary<string, string>? Labels { get; set; }
    public List<string>? Env { get; set; }
    public List<string>? Cmd { get; set; }
    public List<string>? Entrypoint { get; set; }
    public string? WorkingDir { get; set; }
}

internal sealed class RootFsWire
{
    public string? Type { get; set; }
    public List<string>? Layers { get; set; }
}

internal sealed class ImageSummaryWire
{
    public string? Id { get; set; }
    public string? ParentId { get; set; }
    public List<string>? RepoTags { get; set; }
    public List<string>? RepoDigests { get; set; }
    public long Created { get; set; }
    public long Size { get; set; }
    public Dictionary<string, string>? Labels { get; set; }
    public int Containers { get; set; }
}

internal sealed class HistoryWire
{
    public string? Id { get; set; }
    public long Created { get; set; }
    public string? CreatedBy { get; set; }
    public List<string>? Tags { get; set; }
    public long Size { get; set; }
    public string? Comment { get; set; }
}

internal sealed class DeleteWire
{
    public string? Untagged { get; set; }
    public string? Deleted { get; set; }
}

internal sealed class JsonMessageWire
{
    [JsonPropertyName("stream")]
    public string? Stream { get; set; }

    [JsonPropertyName("status")]
    public string? Status { get; set; }

    [JsonPropertyName("id")]
    public string? Id { get; set; }

    [JsonPropertyName("progress")]
    public string? Progress { get; set; }

    [JsonPropertyName("progressDetail")]
    public ProgressDetailWire? ProgressDetail { get; set; }

    [JsonPropertyName("aux")]
    public JsonElement? Aux { get; set; }

    [JsonPropertyName("error")]
    public string? Error { get; set; }

    [JsonPropertyName("errorDetail")]
    public ErrorDetailWire? ErrorDetail { get; set; }
}

internal sealed class ProgressDetailWire
{
    [JsonPropertyName("current")]
    public long? Current { get; set; }

    [JsonPropertyName("total")]
    public long? Total { get; set; }
}

internal sealed class ErrorDetailWire
{
    [JsonPropertyName("code")]
    public int? Code { get; set; }

    [JsonPropertyName("message")]
    public string? Message { get; set; }
}

internal sealed class PushAuxWire
{
    public string? Tag { get; set; }
    public string? Digest { get; set; }
    public long Size { get; set; }
}

internal sealed class RegistryAuthWire
{
    [JsonPropertyName("username")]
    public string? Username { get; set; }

    [JsonPropertyName("password")]
    public string? Password { get; set; }

    [JsonPropertyName("serveraddress")]
    public string? ServerAddress { get; set; }

    [JsonPropertyName("identitytoken")]
    public string? IdentityToken { get; set; }
}

#pragma warning restore CA1812
