using System.Text.Json.Serialization;

namespace LayerCache.Oci;

/// <summary>
/// The platform an image runs on (OCI <c>platform</c> object), with the normalisation and matching of
/// containerd's <c>platforms</c> package: <c>aarch64</c> is <c>arm64</c>, <c>arm64/v8</c> is <c>arm64</c>,
/// <c>x86_64</c> is <c>amd64</c>, <c>amd64/v1</c> is <c>amd64</c>, bare <c>arm</c> is <c>arm/v7</c>.
/// </summary>
public sealed record Platform
{
    /// <summary>CPU architecture, e.g. <c>amd64</c>, <c>arm64</c>.</summary>
    [JsonPropertyName("architecture")]
    public required string Architecture { get; init; }

    /// <summary>Operating system, e.g. <c>linux</c>.</summary>
    [JsonPropertyName("os")]
    public required string Os { get; init; }

    /// <summary>OS version (Windows images).</summary>
    [JsonPropertyName("os.version")]
    public string? OsVersion { get; init; }

    /// <summary>OS features (Windows images).</summary>
    [JsonPropertyName("os.features")]
    public IReadOnlyList<string>? OsFeatures { get; init; }

    /// <summary>CPU variant, e.g. <c>v7</c> for arm.</summary>
    [JsonPropertyName("variant")]
    public string? Variant { get; init; }

    /// <summary>linux/amd64.</summary>
    public static Platform LinuxAmd64 { get; } = new() { Os = "linux", Architecture = "amd64" };

    /// <summary>linux/arm64.</summary>
    public static Platform LinuxArm64 { get; } = new() { Os = "linux", Architecture = "arm64" };

    /// <summary>Parses <c>os[/arch[/variant]]</c> (as in <c>--platform</c>) and normalises it.</summary>
    /// <exception cref="FormatException">Empty parts or more than three parts.</exception>
    public static Platform Parse(string specifier)
    {
        ArgumentNullException.ThrowIfNull(specifier);
        var parts = specifier.Split('/');
        if (parts.Length > 3 || parts.Any(string.IsNullOrWhiteSpace))
        {
            throw new FormatException($"invalid platform \"{specifier}\": expected OS[/ARCH[/VARIANT]]");
        }

        var platform = new Platform
        {
            Os = parts[0],
            Architecture = parts.Length > 1 ? parts[1] : "amd64",
            Variant = parts.Length > 2 ? parts[2] : null,
        };
        return platform.Normalize();
    }

    /// <summary>The canonical spelling of this platform (containerd <c>platforms.Normalize</c>).</summary>
    public Platform Normalize()
    {
        var os = Os.ToLowerInvariant();
        if (os == "macos")
        {
            os = "darwin";
        }

        var (architecture, variant) = NormalizeArchitecture(Architecture.ToLowerInvariant(), Variant?.ToLowerInvariant() ?? string.Empty);
        return this with { Os = os, Architecture = architecture, Variant = variant.Length == 0 ? null : variant };
    }

    /// <summary>
    /// True when both platforms are the same after normalisation (OS, architecture and variant;
    /// OS version and features are ignored, as containerd's default matcher does on Linux).
    /// </summary>
    public bool Matches(Platform other)
    {
        ArgumentNullException.ThrowIfNull(other);
        var a = Normalize();
        var b = other.Normalize();
        return a.Os == b.Os && a.Architecture == b.Architecture && (a.Variant ?? string.Empty) == (b.Variant ?? string.Empty);
    }

    /// <summary><c>os/arch[/variant]</c>.</summary>
    public override string ToString() => Variant is { Length: > 0 } ? $"{Os}/{Architecture}/{Variant}" : $"{Os}/{Architecture}";

    private static (string Architecture, string Variant) NormalizeArchitecture(string architecture, string variant)
    {
        switch (architecture)
        {
            case "i386":
                return ("386", string.Empty);
            case "x86_64" or "x86-64" or "amd64":
                return ("amd64", variant == "v1" ? string.Empty : variant);
            case "aarch64" or "arm64":
                return ("arm64", variant is "8" or "v8" ? string.Empty : variant);
            case "armhf":
                return ("arm", "v7");
            case "armel":
                return ("arm", "v6");
            case "arm":
                return variant switch
                {
                    "" or "7" => ("arm", "v7"),
                    "5" or "6" or "8" => ("arm", "v" + variant),
                    _ => ("arm", variant),
                };
            default:
                return (architecture, variant);
        }
    }
}
