using System.Text.RegularExpressions;

namespace LayerCache.Core;

/// <summary>
/// The repository a registry store lives in: <c>registry://HOST[:PORT]/REPO</c>, validated once when
/// parsed. No credentials (they come from <c>DOCKER_CONFIG</c>), no tag or digest (the store names its
/// own tags), no scheme choice (HTTPS, plain HTTP only where the registry client allows it).
/// </summary>
/// <param name="Host">The registry host name or IP address (an IPv6 address in brackets), lower-case.</param>
/// <param name="Port">The port, or null for the default.</param>
/// <param name="Repository">The repository path, such as <c>team/app/cache</c>.</param>
public sealed partial record RegistryStoreAddress(string Host, int? Port, string Repository)
{
    /// <summary>The URI scheme of registry stores.</summary>
    public const string Scheme = "registry://";

    /// <summary>
    /// Allow plain HTTP to a registry that is not on the loopback interface (<c>--insecure-registry</c>);
    /// loopback registries may always use it. Not part of the address's text.
    /// </summary>
    public bool Insecure { get; init; }

    /// <summary>A PEM file of CA certificates to trust for this registry (<c>--registry-ca</c>); null for the system's.</summary>
    public string? CaFile { get; init; }

    /// <summary>The registry as a docker reference's domain: <c>HOST[:PORT]</c>.</summary>
    public string Registry => Port is { } port ? $"{Host}:{port}" : Host;

    /// <summary>Parses what follows <c>registry://</c>; null and a reason when it is not a registry repository.</summary>
    public static RegistryStoreAddress? TryParse(string rest, out string? problem)
    {
        ArgumentNullException.ThrowIfNull(rest);
        problem = null;
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0)
        {
            problem = "expected registry://HOST[:PORT]/REPOSITORY";
            return null;
        }

        var authority = rest[..slash];
        var repository = rest[(slash + 1)..];
        if (authority.Contains('@', StringComparison.Ordinal))
        {
            problem = "credentials do not belong in the store address; log in with docker login (DOCKER_CONFIG) instead";
            return null;
        }

        string host;
        int? port = null;
        var portText = (string?)null;
        if (authority.StartsWith('['))
        {
            var close = authority.IndexOf(']', StringComparison.Ordinal);
            if (close < 0 || !System.Net.IPAddress.TryParse(authority[1..close], out _))
            {
                problem = $"\"{authority}\" is not a host";
                return null;
            }

            host = authority[..(close + 1)];
            portText = authority.Length > close + 1 ? (authority[close + 1] == ':' ? authority[(close + 2)..] : "?") : null;
        }
        else
        {
            var colon = authority.IndexOf(':', StringComparison.Ordinal);
            host = colon < 0 ? authority : authority[..colon];
            portText = colon < 0 ? null : authority[(colon + 1)..];
            if (!HostPattern().IsMatch(host))
            {
                problem = $"\"{host}\" is not a host name";
                return null;
            }
        }

        if (portText is not null)
        {
            if (!int.TryParse(portText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var number) || number is < 1 or > 65535)
            {
                problem = $"\"{portText}\" is not a port (1-65535)";
                return null;
            }

            port = number;
        }

        if (repository.Contains('@', StringComparison.Ordinal) || repository.Contains(':', StringComparison.Ordinal))
        {
            problem = "the store address names a repository, not a tag or digest (the store picks its own tags)";
            return null;
        }

        if (repository.Length is 0 or > 255 || !RepositoryPattern().IsMatch(repository))
        {
            problem = $"\"{repository}\" is not a repository name (lower-case path components of [a-z0-9] separated by . _ __ or -, joined by /)";
            return null;
        }

        return new RegistryStoreAddress(host.ToLowerInvariant(), port, repository);
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Scheme}{Registry}/{Repository}";

    // The distribution spec's host and repository grammar (docker/distribution reference/regexp.go).
    [GeneratedRegex(@"^(?:[A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9])(?:\.(?:[A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9]))*$", RegexOptions.CultureInvariant)]
    private static partial Regex HostPattern();

    [GeneratedRegex(@"^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*$", RegexOptions.CultureInvariant)]
    private static partial Regex RepositoryPattern();
}
