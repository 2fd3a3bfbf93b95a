using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using LayerCache.Oci;

namespace LayerCache.Oci.Tests;

public class PrimitiveTests
{
    private const string Empty = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    [Fact]
    public void Digest_parses_and_computes()
    {
        var digest = Digest.Parse(Empty);
        Assert.Equal(DigestAlgorithm.Sha256, digest.Algorithm);
        Assert.Equal("sha256", digest.AlgorithmName);
        Assert.Equal(Empty[7..], digest.Hex);
        Assert.Equal(digest, Digest.Compute([]));
        Assert.Equal(Empty, digest.ToString());
        Assert.False(digest.IsEmpty);
        Assert.True(default(Digest).IsEmpty);
        Assert.Equal(string.Empty, default(Digest).ToString());
        Assert.Throws<InvalidOperationException>(() => default(Digest).Value);
        var sha512 = Digest.Compute(DigestAlgorithm.Sha512, "abc"u8);
        Assert.Equal(DigestAlgorithm.Sha512, sha512.Algorithm);
        Assert.Equal(128, sha512.Hex.Length);
        Assert.Equal(sha512, Digest.Parse(sha512.Value));
    }

    [Theory]
    [InlineData(null, "empty")]
    [InlineData("", "empty")]
    [InlineData("sha256", "ALGORITHM:HEX")]
    [InlineData(":abc", "ALGORITHM:HEX")]
    [InlineData("md5:d41d8cd98f00b204e9800998ecf8427e", "unsupported algorithm")]
    [InlineData("sha256:abc", "64 hex characters")]
    [InlineData("sha256:E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855", "lower-case")]
    [InlineData("sha256:g3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "lower-case")]
    [InlineData("sha512:abc", "128 hex characters")]
    public void Digest_rejects_malformed(string? text, string expected)
    {
        Assert.False(Digest.TryParse(text, out _, out var error));
        Assert.Contains(expected, error, StringComparison.Ordinal);
        if (text is not null)
        {
            Assert.Throws<FormatException>(() => Digest.Parse(text));
        }
    }

    [Fact]
    public async Task Digest_computes_streams_and_orders()
    {
        var bytes = Encoding.UTF8.GetBytes("hello");
        Assert.Equal(Digest.Compute(bytes), await Digest.ComputeAsync(new MemoryStream(bytes), CancellationToken.None));
        Assert.Equal(Digest.Compute(DigestAlgorithm.Sha512, bytes), await Digest.ComputeAsync(new MemoryStream(bytes), CancellationToken.None, DigestAlgorithm.Sha512));
        var a = Digest.Parse("sha256:" + new string('0', 64));
        var b = Digest.Parse("sha256:" + new string('1', 64));
        Assert.True(a < b && b > a && a <= b && b >= a && a.CompareTo(b) < 0);
        using var hash = Digest.CreateHash(DigestAlgorithm.Sha256);
        hash.AppendData(bytes);
        Assert.Equal(Digest.Compute(bytes), Digest.FromHash(DigestAlgorithm.Sha256, hash.GetHashAndReset()));
        Assert.Throws<ArgumentException>(() => Digest.FromHash(DigestAlgorithm.Sha512, new byte[32]));
    }

    [Fact]
    public void Digest_and_DiffId_json()
    {
        var digest = Digest.Parse(Empty);
        Assert.Equal($"\"{Empty}\"", JsonSerializer.Serialize(digest, TestJsonContext.Default.Digest));
        Assert.Equal(digest, JsonSerializer.Deserialize($"\"{Empty}\"", TestJsonContext.Default.Digest));
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize("\"sha256:x\"", TestJsonContext.Default.Digest));
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize("42", TestJsonContext.Default.Digest));
        var diffId = DiffId.Parse(Empty);
        Assert.Equal($"\"{Empty}\"", JsonSerializer.Serialize(diffId, TestJsonContext.Default.DiffId));
        Assert.Equal(diffId, JsonSerializer.Deserialize($"\"{Empty}\"", TestJsonContext.Default.DiffId));
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize("null", TestJsonContext.Default.DiffId));
        Assert.Equal(digest, diffId.Digest);
        Assert.Equal(Empty, diffId.ToString());
        Assert.True(DiffId.TryParse(Empty, out var parsed) && parsed == diffId);
        Assert.False(DiffId.TryParse("nope", out _));
        Assert.Throws<ArgumentException>(() => DiffId.FromDigest(default));
    }

    [Fact]
    public void ChainId_follows_the_spec()
    {
        var d0 = DiffId.FromDigest(Digest.Compute("layer0"u8));
        var d1 = DiffId.FromDigest(Digest.Compute("layer1"u8));
        var d2 = DiffId.FromDigest(Digest.Compute("layer2"u8));
        var c0 = d0.Digest;
        var c1 = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes(c0.Value + " " + d1.Digest.Value)));
        var c2 = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes(c1 + " " + d2.Digest.Value)));

        var all = ChainId.ComputeAll([d0, d1, d2]);
        Assert.Equal([c0.Value, c1, c2], all.Select(c => c.ToString()));
        Assert.Equal(c2, ChainId.Compute([d0, d1, d2]).Digest.Value);
        Assert.Equal(c0, ChainId.Compute([d0]).Digest);
        Assert.Equal(all[1], ChainId.Next(all[0], d1));
        Assert.Throws<ArgumentException>(() => ChainId.Compute([]));
        Assert.Empty(ChainId.ComputeAll([]));
    }

    [Theory]
    [InlineData("linux/arm64", "linux/arm64/v8", true)]
    [InlineData("linux/aarch64", "linux/arm64", true)]
    [InlineData("linux/x86_64", "linux/amd64", true)]
    [InlineData("linux/amd64/v1", "linux/amd64", true)]
    [InlineData("linux/amd64/v3", "linux/amd64", false)]
    [InlineData("linux/arm", "linux/arm/v7", true)]
    [InlineData("linux/armhf", "linux/arm/v7", true)]
    [InlineData("linux/armel", "linux/arm/v6", true)]
    [InlineData("linux/arm/v6", "linux/arm/v7", false)]
    [InlineData("Linux/AMD64", "linux/amd64", true)]
    [InlineData("macos/arm64", "darwin/arm64", true)]
    [InlineData("linux/i386", "linux/386", true)]
    [InlineData("windows/amd64", "linux/amd64", false)]
    [InlineData("linux", "linux/amd64", true)]
    public void Platform_matches_like_containerd(string a, string b, bool expected)
    {
        Assert.Equal(expected, Platform.Parse(a).Matches(Platform.Parse(b)));
        Assert.Equal(expected, Platform.Parse(b).Matches(Platform.Parse(a)));
    }

    [Theory]
    [InlineData("linux/aarch64/v8", "linux/arm64")]
    [InlineData("linux/arm/7", "linux/arm/v7")]
    [InlineData("linux/x86-64", "linux/amd64")]
    public void Platform_normalises(string input, string expected) => Assert.Equal(expected, Platform.Parse(input).ToString());

    [Theory]
    [InlineData("")]
    [InlineData("linux//v7")]
    [InlineData("a/b/c/d")]
    public void Platform_rejects_malformed(string input) => Assert.Throws<FormatException>(() => Platform.Parse(input));

    [Fact]
    public void MediaType_classifies()
    {
        Assert.True(MediaType.IsManifest(MediaType.DockerManifest));
        Assert.True(MediaType.IsManifest(MediaType.OciImageManifest));
        Assert.False(MediaType.IsManifest(MediaType.OciImageIndex));
        Assert.True(MediaType.IsIndex(MediaType.DockerManifestList));
        Assert.True(MediaType.IsConfig(MediaType.DockerConfig));
        Assert.True(MediaType.IsLayer(MediaType.DockerForeignLayerGzip));
        Assert.False(MediaType.IsLayer(MediaType.OciImageConfig));
        Assert.False(MediaType.IsLayer(null));
        Assert.True(MediaType.IsNondistributable(MediaType.OciLayerNondistributableZstd));
        Assert.Equal(LayerCompression.Gzip, MediaType.GetLayerCompression(MediaType.DockerLayerGzip));
        Assert.Equal(LayerCompression.Zstd, MediaType.GetLayerCompression(MediaType.OciLayerZstd));
        Assert.Equal(LayerCompression.None, MediaType.GetLayerCompression(MediaType.OciLayer));
        Assert.Throws<ArgumentException>(() => MediaType.GetLayerCompression("text/plain"));
        Assert.Equal(MediaType.DockerLayerGzip, MediaType.LayerFor(LayerCompression.Gzip, docker: true));
        Assert.Equal(MediaType.OciLayerZstd, MediaType.LayerFor(LayerCompression.Zstd, docker: false));
        Assert.Throws<ArgumentException>(() => MediaType.LayerFor(LayerCompression.Zstd, docker: true));
    }

    [Fact]
    public void Index_refs_replace_previous_holder()
    {
        var d1 = new Descriptor { MediaType = MediaType.OciImageManifest, Digest = Digest.Compute("1"u8), Size = 1 };
        var d2 = d1 with { Digest = Digest.Compute("2"u8) };
        var index = ImageIndex.Empty.WithRef("v1", d1).WithRef("v2", d1).WithRef("v1", d2);
        Assert.Equal(2, index.Manifests.Count);
        Assert.Equal(d2.Digest, Assert.Single(index.FindByRefName("v1")).Digest);
        Assert.Equal(d1.Digest, Assert.Single(index.FindByRefName("v2")).Digest);
        Assert.Empty(ImageIndex.Empty.Manifests);
    }

    [Theory]
    [InlineData("2024-03-01T12:34:56Z", true)]
    [InlineData("2024-03-01T12:34:56.123456789+02:00", true)]
    [InlineData("0001-01-01T00:00:00Z", true)]
    [InlineData("2024-03-01", false)]
    [InlineData("nope", false)]
    public void Rfc3339_parses_go_timestamps(string text, bool ok) => Assert.Equal(ok, Rfc3339JsonConverter.TryParse(text, out _));
}
