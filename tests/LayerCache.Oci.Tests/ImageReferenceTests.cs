using LayerCache.Oci;

namespace LayerCache.Oci.Tests;

public class ImageReferenceTests
{
    private const string Ff = "sha256:ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff";

    [Theory]
    // input, registry, repository, tag, digest, canonical
    [InlineData("ubuntu", "docker.io", "library/ubuntu", "latest", null, "docker.io/library/ubuntu:latest")]
    [InlineData("ubuntu:22.04", "docker.io", "library/ubuntu", "22.04", null, "docker.io/library/ubuntu:22.04")]
    [InlineData("library/ubuntu", "docker.io", "library/ubuntu", "latest", null, "docker.io/library/ubuntu:latest")]
    [InlineData("docker.io/ubuntu", "docker.io", "library/ubuntu", "latest", null, "docker.io/library/ubuntu:latest")]
    [InlineData("index.docker.io/ubuntu", "docker.io", "library/ubuntu", "latest", null, "docker.io/library/ubuntu:latest")]
    [InlineData("index.docker.io/fooo/bar", "docker.io", "fooo/bar", "latest", null, "docker.io/fooo/bar:latest")]
    [InlineData("docker.io/library/foo/bar", "docker.io", "library/foo/bar", "latest", null, "docker.io/library/foo/bar:latest")]
    [InlineData("dmcgowan/myapp", "docker.io", "dmcgowan/myapp", "latest", null, "docker.io/dmcgowan/myapp:latest")]
    [InlineData("test_com", "docker.io", "library/test_com", "latest", null, "docker.io/library/test_com:latest")]
    [InlineData("test_com/foo", "docker.io", "test_com/foo", "latest", null, "docker.io/test_com/foo:latest")]
    [InlineData("test.com:tag", "docker.io", "library/test.com", "tag", null, "docker.io/library/test.com:tag")]
    [InlineData("test.com:5000", "docker.io", "library/test.com", "5000", null, "docker.io/library/test.com:5000")]
    [InlineData("test.com/repo:tag", "test.com", "repo", "tag", null, "test.com/repo:tag")]
    [InlineData("test:5000/repo", "test:5000", "repo", "latest", null, "test:5000/repo:latest")]
    [InlineData("test:5000/repo:tag", "test:5000", "repo", "tag", null, "test:5000/repo:tag")]
    [InlineData("test:5000/repo@" + Ff, "test:5000", "repo", null, Ff, "test:5000/repo@" + Ff)]
    [InlineData("test:5000/repo:tag@" + Ff, "test:5000", "repo", "tag", Ff, "test:5000/repo:tag@" + Ff)]
    [InlineData("localhost/app", "localhost", "app", "latest", null, "localhost/app:latest")]
    [InlineData("localhost:5000/team/app/builder:v1", "localhost:5000", "team/app/builder", "v1", null, "localhost:5000/team/app/builder:v1")]
    [InlineData("lowercase:Uppercase", "docker.io", "library/lowercase", "Uppercase", null, "docker.io/library/lowercase:Uppercase")]
    [InlineData("sub-dom1.foo.com/bar/baz/quux:some-long-tag", "sub-dom1.foo.com", "bar/baz/quux", "some-long-tag", null, "sub-dom1.foo.com/bar/baz/quux:some-long-tag")]
    [InlineData("b.gcr.io/test.example.com/my-app:test.example.com", "b.gcr.io", "test.example.com/my-app", "test.example.com", null, "b.gcr.io/test.example.com/my-app:test.example.com")]
    [InlineData("xn--n3h.com/myimage:xn--n3h.com", "xn--n3h.com", "myimage", "xn--n3h.com", null, "xn--n3h.com/myimage:xn--n3h.com")]
    [InlineData("foo/foo_bar.com:8080", "docker.io", "foo/foo_bar.com", "8080", null, "docker.io/foo/foo_bar.com:8080")]
    [InlineData("192.168.1.1", "docker.io", "library/192.168.1.1", "latest", null, "docker.io/library/192.168.1.1:latest")]
    [InlineData("192.168.1.1/repo", "192.168.1.1", "repo", "latest", null, "192.168.1.1/repo:latest")]
    [InlineData("192.168.1.1:5000/repo:5050", "192.168.1.1:5000", "repo", "5050", null, "192.168.1.1:5000/repo:5050")]
    [InlineData("[2001:db8::1]/repo", "[2001:db8::1]", "repo", "latest", null, "[2001:db8::1]/repo:latest")]
    [InlineData("[2001:db8:1:2:3:4:5:6]/repo:tag", "[2001:db8:1:2:3:4:5:6]", "repo", "tag", null, "[2001:db8:1:2:3:4:5:6]/repo:tag")]
    [InlineData("[2001:db8::1]:5000/repo:tag@" + Ff, "[2001:db8::1]:5000", "repo", "tag", Ff, "[2001:db8::1]:5000/repo:tag@" + Ff)]
    [InlineData("[::1]:5000/repo", "[::1]:5000", "repo", "latest", null, "[::1]:5000/repo:latest")]
    [InlineData("[fc00::1]:5000/docker/docker", "[fc00::1]:5000", "docker/docker", "latest", null, "[fc00::1]:5000/docker/docker:latest")]
    [InlineData("Docker/docker", "Docker", "docker", "latest", null, "Docker/docker:latest")]
    [InlineData("docker---rules/docker", "docker.io", "docker---rules/docker", "latest", null, "docker.io/docker---rules/docker:latest")]
    [InlineData("dock__er/docker", "docker.io", "dock__er/docker", "latest", null, "docker.io/dock__er/docker:latest")]
    [InlineData("d/docker", "docker.io", "d/docker", "latest", null, "docker.io/d/docker:latest")]
    [InlineData("docker.io/1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a", "docker.io", "library/1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a", "latest", null, "docker.io/library/1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a:latest")]
    [InlineData("dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9", "docker.io", "library/dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9", "latest", null, "docker.io/library/dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9:latest")]
    [InlineData("thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev", "docker.io", "library/thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev", "latest", null, "docker.io/library/thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev:latest")]
    public void Parses_and_normalises(string input, string registry, string repository, string? tag, string? digest, string canonical)
    {
        var reference = ImageReference.Parse(input);
        Assert.Equal(registry, reference.Registry);
        Assert.Equal(repository, reference.Repository);
        Assert.Equal(tag, reference.Tag);
        Assert.Equal(digest, reference.Digest?.Value);
        Assert.Equal(canonical, reference.ToString());
        Assert.Equal(reference, ImageReference.Parse(reference.ToString()));
    }

    [Theory]
    [InlineData("", "at least one component")]
    [InlineData(":justtag", "invalid reference")]
    [InlineData("@" + Ff, "invalid reference")]
    [InlineData("repo@sha256:ffffffffffffffffffffffffffffffffff", "64 hex characters")]
    [InlineData("validname@invaliddigest:ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", "unsupported algorithm")]
    [InlineData("Uppercase:tag", "must be lowercase")]
    [InlineData("test:5000/Uppercase/lowercase:tag", "must be lowercase")]
    [InlineData("docker/Docker", "must be lowercase")]
    [InlineData("docker.io/docker/Docker", "must be lowercase")]
    [InlineData("aa/asdf$$^/aa", "repository path")]
    [InlineData("[2001:db8::1]", "invalid reference")]
    [InlineData("[2001:db8::1]:5000", "invalid reference")]
    [InlineData("[fe80::1%eth0]:5000/repo", "invalid reference")]
    [InlineData("[2001:db8:3:4::192.0.2.33]:5000/debian", "invalid reference")]
    [InlineData("fc00::1:5000/debian", "invalid reference")]
    [InlineData("https://github.com/docker/docker", "invalid reference")]
    [InlineData("-docker", "invalid reference")]
    [InlineData("-docker/docker", "invalid reference")]
    [InlineData("docker-/docker", "invalid reference")]
    [InlineData("-docker.io/docker/docker", "registry")]
    [InlineData("docker///docker", "invalid reference")]
    [InlineData("docker.io/docker///docker", "invalid reference")]
    [InlineData("____/____", "invalid reference")]
    [InlineData("_docker/_docker", "invalid reference")]
    [InlineData("dock..er/docker", "invalid reference")]
    [InlineData("dock_.er/docker", "invalid reference")]
    [InlineData("dock-.er/docker", "invalid reference")]
    [InlineData("docker/", "invalid reference")]
    [InlineData("1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a", "64-character hexadecimal")]
    [InlineData("ubuntu:-bad", "tag \"-bad\"")]
    [InlineData("ubuntu:bad+tag", "tag \"bad+tag\"")]
    [InlineData("ubuntu:tag\n", "invalid reference")]
    [InlineData("ubuntu\n", "invalid reference")]
    [InlineData("ubüntu", "invalid reference")]
    [InlineData("ubuntu:täg", "tag")]
    public void Rejects_invalid_references_with_a_clear_message(string input, string expectedMessagePart)
    {
        var error = Assert.Throws<InvalidImageReferenceException>(() => ImageReference.Parse(input));
        Assert.Contains(expectedMessagePart, error.Message, StringComparison.Ordinal);
        Assert.Equal(input, error.Reference);
        Assert.DoesNotContain('\n', error.Message);
        Assert.False(ImageReference.TryParse(input, out _, out var message));
        Assert.Equal(error.Message, message);
    }

    [Fact]
    public void Rejects_a_tag_longer_than_128()
    {
        var error = Assert.Throws<InvalidImageReferenceException>(() => ImageReference.Parse("ubuntu:" + new string('a', 129)));
        Assert.Contains("longer than 128", error.Message, StringComparison.Ordinal);
        Assert.Equal(new string('a', 128), ImageReference.Parse("ubuntu:" + new string('a', 128)).Tag);
    }

    [Fact]
    public void Rejects_a_name_longer_than_255()
    {
        var tooLong = "a.b/" + string.Concat(Enumerable.Repeat("a/", 124)) + "aaaa";
        Assert.Equal(256, tooLong.Length);
        var error = Assert.Throws<InvalidImageReferenceException>(() => ImageReference.Parse(tooLong + ":tag"));
        Assert.Contains("more than 255", error.Message, StringComparison.Ordinal);

        var maximal = "a.b/" + string.Concat(Enumerable.Repeat("a/", 124)) + "aaa";
        Assert.Equal(255, maximal.Length);
        var ok = ImageReference.Parse(maximal + ":tag-puts-this-over-max");
        Assert.Equal(maximal.Length, ok.Name.Length);

        // A familiar name is measured after normalisation, as Docker does: docker.io/ adds 10.
        Assert.Throws<InvalidImageReferenceException>(() => ImageReference.Parse(string.Concat(Enumerable.Repeat("a/", 127)) + "a:tag"));
    }

    [Fact]
    public void Rejects_absurdly_long_input_quickly()
    {
        var error = Assert.Throws<InvalidImageReferenceException>(() => ImageReference.Parse(new string('a', 100_000) + "!"));
        Assert.Contains("longer than 1024", error.Message, StringComparison.Ordinal);
        Assert.True(error.Message.Length < 500);
    }

    [Theory]
    [InlineData("ubuntu", "ubuntu", "ubuntu:latest")]
    [InlineData("docker.io/library/ubuntu:22.04", "ubuntu", "ubuntu:22.04")]
    [InlineData("library/foo/bar", "library/foo/bar", "library/foo/bar:latest")]
    [InlineData("fooo/bar", "fooo/bar", "fooo/bar:latest")]
    [InlineData("other/library", "other/library", "other/library:latest")]
    [InlineData("127.0.0.1:8000/private/moonbase", "127.0.0.1:8000/private/moonbase", "127.0.0.1:8000/private/moonbase:latest")]
    [InlineData("example.com/privatebase", "example.com/privatebase", "example.com/privatebase:latest")]
    [InlineData("FOO/bar", "FOO/bar", "FOO/bar:latest")]
    [InlineData("busybox:latest@sha256:86e0e091d0da6bde2456dbb48306f3956bbeb2eae1b5b9a43045843f69fe4aaa", "busybox", "busybox:latest@sha256:86e0e091d0da6bde2456dbb48306f3956bbeb2eae1b5b9a43045843f69fe4aaa")]
    public void Familiar_forms_match_docker(string input, string familiarName, string familiarString)
    {
        var reference = ImageReference.Parse(input);
        Assert.Equal(familiarName, reference.FamiliarName);
        Assert.Equal(familiarString, reference.FamiliarString);
        Assert.Equal(reference, ImageReference.Parse(reference.FamiliarString));
    }

    [Fact]
    public void Digest_only_reference_has_no_default_tag()
    {
        var reference = ImageReference.Parse("redis@sha256:dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9c");
        Assert.Null(reference.Tag);
        Assert.Equal("docker.io/library/redis@sha256:dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9c", reference.ToString());
        Assert.Equal("docker.io/library/redis", reference.Name);
        Assert.True(reference.IsDockerHub);
    }

    [Fact]
    public void Sha512_digest_is_accepted()
    {
        var sha512 = "sha512:" + new string('f', 128);
        var reference = ImageReference.Parse("xn--7o8h.com/myimage:xn--7o8h.com@" + sha512);
        Assert.Equal(DigestAlgorithm.Sha512, reference.Digest!.Value.Algorithm);
    }

    [Fact]
    public void With_helpers_build_new_references()
    {
        var reference = ImageReference.Parse("localhost:5000/app");
        var digest = Digest.Parse(Ff);
        Assert.Equal("localhost:5000/app:v2", reference.WithTag("v2").ToString());
        Assert.Equal("localhost:5000/app:latest@" + Ff, reference.WithDigest(digest).ToString());
        Assert.Equal("localhost:5000/app@" + Ff, reference.WithDigest(digest).WithoutTag().ToString());
        Assert.Throws<InvalidImageReferenceException>(() => reference.WithTag(".bad"));
        Assert.Equal(reference, ImageReference.Create("localhost:5000", "app"));
        Assert.True(ImageReference.IsValidTag("v1.2_3-rc"));
        Assert.False(ImageReference.IsValidTag("-x"));
    }

    [Fact]
    public void Default_value_is_empty()
    {
        var reference = default(ImageReference);
        Assert.True(reference.IsEmpty);
        Assert.Equal(string.Empty, reference.ToString());
        Assert.Equal(string.Empty, reference.Registry);
    }

    [Fact]
    public void Json_round_trips_as_canonical_string()
    {
        var reference = ImageReference.Parse("ubuntu");
        var json = System.Text.Json.JsonSerializer.Serialize(reference, TestJsonContext.Default.ImageReference);
        Assert.Equal("\"docker.io/library/ubuntu:latest\"", json);
        Assert.Equal(reference, System.Text.Json.JsonSerializer.Deserialize(json, TestJsonContext.Default.ImageReference));
        Assert.Throws<System.Text.Json.JsonException>(() => System.Text.Json.JsonSerializer.Deserialize("\"UPPER\"", TestJsonContext.Default.ImageReference));
    }
}
