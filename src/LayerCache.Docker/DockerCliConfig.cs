using System.Text.Json;

namespace LayerCache.Docker;

/// <summary>
/// The parts of the docker CLI's <c>config.json</c> layercache acts on, read as the CLI reads them:
/// the directory is DOCKER_CONFIG, else <c>~/.docker</c> (docker/cli cli/config/config.go Dir); a
/// missing file is an empty configuration; a malformed one is too, with <see cref="LoadError"/> set
/// (the CLI warns and goes on).
/// </summary>
public sealed class DockerCliConfig
{
    /// <summary>config.json larger than this is not read: it is untrusted input, and real ones are a few KB.</summary>
    internal const long MaxFileBytes = 4 * 1024 * 1024;

    private DockerCliConfig(string directory)
    {
        Directory = directory;
    }

    /// <summary>The configuration directory (holds config.json and contexts/).</summary>
    public string Directory { get; }

    /// <summary>The <c>currentContext</c> set by <c>docker context use</c>, or null.</summary>
    public string? CurrentContext { get; private set; }

    /// <summary>The <c>credsStore</c> helper name (e.g. <c>pass</c> for docker-credential-pass), or null.</summary>
    public string? CredentialsStore { get; private set; }

    /// <summary>The <c>credHelpers</c> map: registry host → helper name.</summary>
    public IReadOnlyDictionary<string, string> CredentialHelpers { get; private set; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>The <c>auths</c> map: registry key (a host, or a URL such as <c>https://index.docker.io/v1/</c>) → stored entry.</summary>
    internal IReadOnlyDictionary<string, JsonElement> Auths { get; private set; } = new Dictionary<string, JsonElement>(StringComparer.Ordinal);

    /// <summary>Why config.json was ignored, or null when it was read (or absent).</summary>
    public string? LoadError { get; private set; }

    /// <summary>The configuration directory named by <paramref name="environment"/>: DOCKER_CONFIG, else $HOME/.docker.</summary>
    public static string DirectoryFrom(Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        if (environment("DOCKER_CONFIG") is { Length: > 0 } configured)
        {
            return configured;
        }

        var home = environment("HOME") is { Length: > 0 } h ? h : System.Environment.GetFolderPath(System.Environment.SpecialFolder.UserProfile);
        return Path.Combine(home, ".docker");
    }

    /// <summary>Reads config.json of the directory <paramref name="environment"/> names.</summary>
    public static DockerCliConfig Load(Func<string, string?> environment) => LoadFrom(DirectoryFrom(environment));

    /// <summary>Reads <c>config.json</c> in <paramref name="directory"/>.</summary>
    public static DockerCliConfig LoadFrom(string directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        var config = new DockerCliConfig(directory);
        var path = Path.Combine(directory, "config.json");
        byte[] bytes;
        try
        {
            bytes = ReadBounded(path, MaxFileBytes);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return config;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            config.LoadError = $"cannot read {path}: {e.Message}";
            return config;
        }

        try
        {
            using var document = JsonDocument.Parse(bytes);
            config.Read(document.RootElement);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            config.LoadError = $"{path} is not valid JSON: {e.Message}";
        }

        return config;
    }

    /// <summary>Reads a file of at most <paramref name="maxBytes"/> (the user's own docker configuration, bounded all the same).</summary>
    internal static byte[] ReadBounded(string path, long maxBytes)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        if (stream.Length > maxBytes)
        {
            throw new IOException($"{path} is larger than {maxBytes} bytes");
        }

        var buffer = new byte[stream.Length];
        stream.ReadExactly(buffer);
        return buffer;
    }

    private void Read(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            LoadError = "config.json is not a JSON object";
            return;
        }

        CurrentContext = String(root, "currentContext");
        CredentialsStore = String(root, "credsStore");
        if (root.TryGetProperty("credHelpers", out var helpers) && helpers.ValueKind == JsonValueKind.Object)
        {
            CredentialHelpers = helpers.EnumerateObject()
                .Where(p => p.Value.ValueKind == JsonValueKind.String && p.Value.GetString() is { Length: > 0 })
                .ToDictionary(p => p.Name, p => p.Value.GetString()!, StringComparer.Ordinal);
        }

        if (root.TryGetProperty("auths", out var auths) && auths.ValueKind == JsonValueKind.Object)
        {
            Auths = auths.EnumerateObject()
                .Where(p => p.Value.ValueKind == JsonValueKind.Object)
                .ToDictionary(p => p.Name, p => p.Value.Clone(), StringComparer.Ordinal);
        }
    }

    private static string? String(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } s ? s : null;
}
