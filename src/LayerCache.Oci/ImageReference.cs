using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;

namespace LayerCache.Oci;

/// <summary>
/// A Docker image reference, normalised the way the Docker CLI and engine do
/// (distribution/reference <c>ParseDockerRef</c> semantics, keeping both tag and digest):
/// <c>ubuntu</c> is <c>docker.io/library/ubuntu:latest</c>, <c>index.docker.io/x/y</c> is
/// <c>docker.io/x/y:latest</c>, and a name with neither tag nor digest gets the tag <c>latest</c>.
/// Parse once at the edge; the parts are then available without string slicing.
/// </summary>
[JsonConverter(typeof(ImageReferenceJsonConverter))]
public readonly partial record struct ImageReference
{
    /// <summary>The Docker Hub registry domain in canonical form.</summary>
    public const string DockerHubRegistry = "docker.io";

    /// <summary>The tag that a reference without tag or digest gets.</summary>
    public const string DefaultTag = "latest";

    /// <summary>The longest allowed name (registry + "/" + repository), as in distribution/reference.</summary>
    public const int MaxNameLength = 255;

    private const int MaxReferenceLength = 1024;
    private const string LegacyDockerHubRegistry = "index.docker.io";
    private const string OfficialRepositoryPrefix = "library/";

    // Sub-patterns of the reference grammar (distribution/reference), with explicit ASCII classes
    // because .NET's \w and \d are Unicode-aware and `$` would accept a trailing newline.
    private const string DomainComponent = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
    private const string DomainName = DomainComponent + @"(?:\." + DomainComponent + ")*";
    private const string Ipv6Address = @"\[(?:[a-fA-F0-9:]+)\]";
    private const string DomainAndPort = "(?:" + DomainName + "|" + Ipv6Address + ")(?::[0-9]+)?";
    private const string PathComponent = "[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*";
    private const string RemoteName = PathComponent + "(?:/" + PathComponent + ")*";
    private const string TagPattern = "[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}";
    private const string DigestPattern = "[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}";

    private const string ReferencePattern =
        @"\A(?<name>(?:" + DomainAndPort + "/)?" + RemoteName + ")(?::(?<tag>" + TagPattern + "))?(?:@(?<digest>" + DigestPattern + @"))?\z";

    private const string NamePattern = @"\A(?:(?<domain>" + DomainAndPort + ")/)?(?<path>" + RemoteName + @")\z";

    private readonly string? _registry;
    private readonly string? _repository;

    private ImageReference(string registry, string repository, string? tag, Digest? digest)
    {
        _registry = registry;
        _repository = repository;
        Tag = tag;
        Digest = digest;
    }

    /// <summary>The registry domain, with port if any: <c>docker.io</c>, <c>localhost:5000</c>, <c>[::1]:5000</c>.</summary>
    public string Registry => _registry ?? string.Empty;

    /// <summary>The repository path inside the registry: <c>library/ubuntu</c>, <c>team/app/builder</c>.</summary>
    public string Repository => _repository ?? string.Empty;

    /// <summary>The tag, or null for a reference by digest only.</summary>
    public string? Tag { get; }

    /// <summary>The digest, or null for a reference by tag only.</summary>
    public Digest? Digest { get; }

    /// <summary>The full name without tag or digest: <c>docker.io/library/ubuntu</c>.</summary>
    public string Name => Registry + "/" + Repository;

    /// <summary>True for <c>default(ImageReference)</c>.</summary>
    public bool IsEmpty => _repository is null;

    /// <summary>True when the registry is Docker Hub.</summary>
    public bool IsDockerHub => Registry == DockerHubRegistry;

    /// <summary>
    /// The short name the Docker UI shows: Docker Hub's domain and the <c>library/</c> prefix of
    /// official images removed (<c>ubuntu</c>, <c>user/app</c>, <c>localhost:5000/app</c>).
    /// </summary>
    public string FamiliarName
    {
        get
        {
            if (Registry != DockerHubRegistry)
            {
                return Name;
            }

            var path = Repository;
            if (path.StartsWith(OfficialRepositoryPrefix, StringComparison.Ordinal)
                && !path.AsSpan(OfficialRepositoryPrefix.Length).Contains('/'))
            {
                return path[OfficialRepositoryPrefix.Length..];
            }

            return path;
        }
    }

    /// <summary>The familiar name with tag and digest: <c>ubuntu:latest</c> (what <c>docker images</c> and manifest.json RepoTags use).</summary>
    public string FamiliarString => Append(new StringBuilder(FamiliarName)).ToString();

    /// <summary>Parses and normalises a reference.</summary>
    /// <exception cref="InvalidImageReferenceException">The string is not a valid reference; the message says why.</exception>
    public static ImageReference Parse(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return TryParse(value, out var reference, out var error) ? reference : throw new InvalidImageReferenceException(value, error);
    }

    /// <summary>Parses and normalises a reference without throwing.</summary>
    public static bool TryParse([NotNullWhen(true)] string? value, out ImageReference reference) => TryParse(value, out reference, out _);

    /// <summary>Parses and normalises a reference without throwing; <paramref name="error"/> says what is wrong.</summary>
    public static bool TryParse([NotNullWhen(true)] string? value, out ImageReference reference, out string error)
    {
        reference = default;
        if (string.IsNullOrEmpty(value))
        {
            error = "invalid reference \"\": repository name must have at least one component";
            return false;
        }

        var quoted = Quote(value);
        if (value.Length > MaxReferenceLength)
        {
            // No valid reference comes near this (name 255 + tag 128 + digest ~135); refusing early
            // also bounds the regular expressions' work on hostile input.
            error = $"invalid reference {quoted}: longer than {MaxReferenceLength} characters ({value.Length})";
            return false;
        }

        if (value.Length == 64 && IsLowerHex(value))
        {
            // A bare 64-hex string is an image ID, never a repository name (Docker refuses it too).
            error = $"invalid reference {quoted}: a repository name cannot be a 64-character hexadecimal string (use sha256:{value[..12]}... for an ID)";
            return false;
        }

        var (domain, remainder) = SplitDockerDomain(value);
        var tagSeparator = remainder.IndexOf(':', StringComparison.Ordinal);
        var remote = tagSeparator >= 0 ? remainder[..tagSeparator] : remainder;
        var atSign = remote.IndexOf('@', StringComparison.Ordinal);
        if (atSign >= 0)
        {
            remote = remote[..atSign];
        }

        if (!string.Equals(remote, remote.ToLowerInvariant(), StringComparison.Ordinal))
        {
            error = $"invalid reference {quoted}: repository name {Quote(remote)} must be lowercase";
            return false;
        }

        var candidate = domain + "/" + remainder;
        var match = ReferenceRegex().Match(candidate);
        if (!match.Success)
        {
            error = $"invalid reference {quoted}: {Diagnose(candidate)}";
            return false;
        }

        var name = match.Groups["name"].Value;
        if (name.Length > MaxNameLength)
        {
            error = $"invalid reference {quoted}: repository name must not be more than {MaxNameLength} characters (got {name.Length})";
            return false;
        }

        var nameMatch = NameRegex().Match(name);
        var registry = nameMatch.Groups["domain"].Value;
        var repository = nameMatch.Groups["path"].Value;

        string? tag = match.Groups["tag"].Success ? match.Groups["tag"].Value : null;
        Digest? digest = null;
        if (match.Groups["digest"].Success)
        {
            if (!Oci.Digest.TryParse(match.Groups["digest"].Value, out var parsed, out var digestError))
            {
                error = $"invalid reference {quoted}: {digestError}";
                return false;
            }

            digest = parsed;
        }

        if (tag is null && digest is null)
        {
            tag = DefaultTag;
        }

        reference = new ImageReference(registry, repository, tag, digest);
        error = string.Empty;
        return true;
    }

    /// <summary>Builds a reference from parts, validating each.</summary>
    /// <exception cref="InvalidImageReferenceException">A part is invalid.</exception>
    public static ImageReference Create(string registry, string repository, string? tag = null, Digest? digest = null)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(repository);
        var text = registry + "/" + repository + (tag is null ? string.Empty : ":" + tag) + (digest is { } d ? "@" + d.Value : string.Empty);
        return Parse(text);
    }

    /// <summary>The same repository with another tag (the digest is kept).</summary>
    /// <exception cref="InvalidImageReferenceException">The tag is invalid.</exception>
    public ImageReference WithTag(string tag)
    {
        ArgumentNullException.ThrowIfNull(tag);
        if (!TagRegex().IsMatch(tag))
        {
            throw new InvalidImageReferenceException(tag, $"invalid tag {Quote(tag)}: must match [A-Za-z0-9_][A-Za-z0-9_.-]{{0,127}}");
        }

        return new ImageReference(Registry, Repository, tag, Digest);
    }

    /// <summary>The same repository pinned to a digest (the tag is kept).</summary>
    public ImageReference WithDigest(Digest digest) => new(Registry, Repository, Tag, digest);

    /// <summary>The same repository with only the digest (what <c>docker pull</c> resolves a tag+digest reference to).</summary>
    public ImageReference WithoutTag() => Digest is null ? this : new ImageReference(Registry, Repository, null, Digest);

    /// <summary>True when <paramref name="tag"/> is a syntactically valid tag.</summary>
    public static bool IsValidTag(string? tag) => tag is not null && TagRegex().IsMatch(tag);

    /// <summary>The canonical form: <c>docker.io/library/ubuntu:latest</c>, <c>host:5000/app:tag@sha256:…</c>.</summary>
    public override string ToString() => IsEmpty ? string.Empty : Append(new StringBuilder(Name)).ToString();

    private StringBuilder Append(StringBuilder builder)
    {
        if (Tag is not null)
        {
            builder.Append(':').Append(Tag);
        }

        if (Digest is { } digest)
        {
            builder.Append('@').Append(digest.Value);
        }

        return builder;
    }

    // Mirrors distribution/reference splitDockerDomain: the first path element is a domain only if it
    // is "localhost", contains "." or ":", or has upper-case letters (which paths may not).
    private static (string Domain, string Remainder) SplitDockerDomain(string name)
    {
        var slash = name.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0)
        {
            return (DockerHubRegistry, OfficialRepositoryPrefix + name);
        }

        var maybeDomain = name[..slash];
        var maybeRemainder = name[(slash + 1)..];
        string domain;
        string remainder;
        if (maybeDomain == "localhost")
        {
            (domain, remainder) = (maybeDomain, maybeRemainder);
        }
        else if (maybeDomain == LegacyDockerHubRegistry)
        {
            (domain, remainder) = (DockerHubRegistry, maybeRemainder);
        }
        else if (maybeDomain.AsSpan().IndexOfAny('.', ':') >= 0
            || !string.Equals(maybeDomain, maybeDomain.ToLowerInvariant(), StringComparison.Ordinal))
        {
            (domain, remainder) = (maybeDomain, maybeRemainder);
        }
        else
        {
            (domain, remainder) = (DockerHubRegistry, name);
        }

        if (domain == DockerHubRegistry && !remainder.Contains('/', StringComparison.Ordinal))
        {
            remainder = OfficialRepositoryPrefix + remainder;
        }

        return (domain, remainder);
    }

    // Says which part of a reference that failed the grammar is wrong, for a one-line message.
    private static string Diagnose(string candidate)
    {
        var at = candidate.IndexOf('@', StringComparison.Ordinal);
        var beforeDigest = at >= 0 ? candidate[..at] : candidate;
        if (at >= 0 && !DigestRegex().IsMatch(candidate[(at + 1)..]))
        {
            return $"digest {Quote(candidate[(at + 1)..])} is not ALGORITHM:HEX";
        }

        var lastSlash = beforeDigest.LastIndexOf('/');
        var lastColon = beforeDigest.LastIndexOf(':');
        var name = beforeDigest;
        if (lastColon > lastSlash)
        {
            var tag = beforeDigest[(lastColon + 1)..];
            if (!TagRegex().IsMatch(tag))
            {
                return tag.Length > 128
                    ? $"tag is longer than 128 characters ({tag.Length})"
                    : $"tag {Quote(tag)} must match [A-Za-z0-9_][A-Za-z0-9_.-]{{0,127}}";
            }

            name = beforeDigest[..lastColon];
        }

        if (NameRegex().IsMatch(name))
        {
            return "invalid reference format";
        }

        var firstSlash = name.IndexOf('/', StringComparison.Ordinal);
        if (firstSlash >= 0 && !DomainRegex().IsMatch(name[..firstSlash]))
        {
            return $"registry {Quote(name[..firstSlash])} is not HOST[:PORT]";
        }

        return "repository path components must be lowercase letters and digits separated by '.', '_', '__' or '-', joined by single '/'";
    }

    private static bool IsLowerHex(string value)
    {
        foreach (var c in value)
        {
            if (!char.IsAsciiDigit(c) && !char.IsAsciiHexDigitLower(c))
            {
                return false;
            }
        }

        return true;
    }

    // Quotes input for a one-line message: control characters are escaped so a stray newline in
    // user input cannot split the message.
    private static string Quote(string value)
    {
        var text = value.Length <= 300 ? value : value[..297] + "...";
        var builder = new StringBuilder(text.Length + 2).Append('"');
        foreach (var c in text)
        {
            _ = c switch
            {
                '\n' => builder.Append("\\n"),
                '\r' => builder.Append("\\r"),
                '\t' => builder.Append("\\t"),
                '"' => builder.Append("\\\""),
                _ when char.IsControl(c) => builder.Append($"\\u{(int)c:x4}"),
                _ => builder.Append(c),
            };
        }

        return builder.Append('"').ToString();
    }

    [GeneratedRegex(ReferencePattern, RegexOptions.CultureInvariant)]
    private static partial Regex ReferenceRegex();

    [GeneratedRegex(NamePattern, RegexOptions.CultureInvariant)]
    private static partial Regex NameRegex();

    [GeneratedRegex(@"\A" + TagPattern + @"\z", RegexOptions.CultureInvariant)]
    private static partial Regex TagRegex();

    [GeneratedRegex(@"\A" + DigestPattern + @"\z", RegexOptions.CultureInvariant)]
    private static partial Regex DigestRegex();

    [GeneratedRegex(@"\A" + DomainAndPort + @"\z", RegexOptions.CultureInvariant)]
    private static partial Regex DomainRegex();
}
