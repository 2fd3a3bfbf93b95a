namespace LayerCache.Docker.Tests;

public sealed class EndpointAndReferenceTests
{
    [Theory]
    [InlineData("unix:///var/run/docker.sock", "/var/run/docker.sock", null)]
    [InlineData("unix:///tmp/lc-1/docker.sock", "/tmp/lc-1/docker.sock", null)]
    [InlineData("tcp://127.0.0.1:2375", null, "http://127.0.0.1:2375/")]
    [InlineData("tcp://docker", null, "http://docker:2375/")]
    [InlineData("tcp://[::1]:2376", null, "http://[::1]:2376/")]
    public void Parses_docker_host(string host, string? socket, string? http)
    {
        var endpoint = DockerEndpoint.Parse(host);
        Assert.Equal(socket, endpoint.SocketPath);
        Assert.Equal(http, endpoint.HttpAddress?.ToString());
        Assert.Equal(socket is not null, endpoint.IsUnixSocket);
    }

    [Theory]
    [InlineData("npipe:////./pipe/docker_engine")]
    [InlineData("unix://relative.sock")]
    [InlineData("tcp://")]
    public void Rejects_unsupported_hosts(string host) =>
        Assert.Throws<FormatException>(() => DockerEndpoint.Parse(host));

    [Theory]
    [InlineData("busybox", "busybox", null)]
    [InlineData("busybox:latest", "busybox", "latest")]
    [InlineData("127.0.0.1:5000/app", "127.0.0.1:5000/app", null)]
    [InlineData("127.0.0.1:5000/team/app:v1", "127.0.0.1:5000/team/app", "v1")]
    [InlineData("app@sha256:abc", "app", "sha256:abc")]
    [InlineData("host:5000/app:v1@sha256:abc", "host:5000/app:v1", "sha256:abc")]
    public void Splits_references(string reference, string repository, string? tag)
    {
        Assert.Equal((repository, tag), ImageReference.Split(reference));
    }

    [Fact]
    public void Escapes_path_segments_but_keeps_slashes() =>
        Assert.Equal("127.0.0.1%3A5000/team/app%3Av1", ImageReference.EscapePath("127.0.0.1:5000/team/app:v1"));

    [Theory]
    [InlineData("1.41", "1.41", 0)]
    [InlineData("1.9", "1.41", -1)]
    [InlineData("1.43", "1.41", 1)]
    [InlineData("2.0", "1.99", 1)]
    public void Compares_api_versions_numerically(string left, string right, int sign) =>
        Assert.Equal(sign, Math.Sign(DockerEngineClient.CompareVersions(left, right)));

    [Theory]
    [InlineData("1.41", null, "1.41")]
    [InlineData("1.40", "1.12", "1.40")] // an older engine, or podman 3 (API 1.40): its version
    [InlineData("1.43", "1.12", "1.41")] // a newer engine that still serves ours: ours
    [InlineData("1.52", "1.44", "1.44")] // docker 29 refuses below 1.44: its minimum
    [InlineData("1.52", "not-a-version", "1.41")]
    public void Negotiates_the_api_version_within_the_engines_range(string engineMaximum, string? engineMinimum, string expected) =>
        Assert.Equal(expected, DockerEngineClient.NegotiateVersion(engineMaximum, engineMinimum));
}
