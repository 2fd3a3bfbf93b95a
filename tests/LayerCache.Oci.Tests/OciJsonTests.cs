using System.Text;
using LayerCache.Oci;

namespace LayerCache.Oci.Tests;

public class OciJsonTests
{
    private const string D1 = "sha256:b5b2b2c507a0944348e0303114d8d93aaaa081732b86451d9bce1f432a537bc7";
    private const string D2 = "sha256:9834876dcfb05cb167a5c24953eba58c4ac89b1adf57f28f2f9d09af107ee8f0";
    private const string D3 = "sha256:3c3a4604a545cdc127456d94e421cd355bca5b528f4a9c1905b15da2eb4a4c6b";

    [Theory]
    [InlineData("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" + D1 + "\",\"size\":7023},\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"" + D2 + "\",\"size\":32654,\"annotations\":{\"a\":\"1\",\"b\":\"é<&>\"}},{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+zstd\",\"digest\":\"" + D3 + "\",\"size\":16724,\"urls\":[\"https://example.com/l\"]}],\"subject\":{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" + D1 + "\",\"size\":1},\"annotations\":{\"com.example.key1\":\"value1\",\"com.example.key2\":\"value2\"}}")]
    [InlineData("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.docker.distribution.manifest.v2+json\",\"config\":{\"mediaType\":\"application/vnd.docker.container.image.v1+json\",\"digest\":\"" + D1 + "\",\"size\":1469},\"layers\":[{\"mediaType\":\"application/vnd.docker.image.rootfs.diff.tar.gzip\",\"digest\":\"" + D2 + "\",\"size\":2814446}]}")]
    [InlineData("{\"schemaVersion\":2,\"artifactType\":\"application/vnd.example+type\",\"config\":{\"mediaType\":\"application/vnd.oci.empty.v1+json\",\"digest\":\"" + D1 + "\",\"size\":2,\"data\":\"e30=\"},\"layers\":[]}")]
    public void Manifest_round_trips_exactly(string json)
    {
        var manifest = OciJson.DeserializeManifest(Encoding.UTF8.GetBytes(json));
        Assert.Equal(json, Encoding.UTF8.GetString(OciJson.Serialize(manifest)));
    }

    [Theory]
    [InlineData("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":[{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" + D1 + "\",\"size\":7143,\"platform\":{\"architecture\":\"ppc64le\",\"os\":\"linux\"}},{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" + D2 + "\",\"size\":7682,\"platform\":{\"architecture\":\"arm\",\"os\":\"linux\",\"variant\":\"v7\"}},{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" + D3 + "\",\"size\":7682,\"platform\":{\"architecture\":\"amd64\",\"os\":\"windows\",\"os.version\":\"10.0.14393.1066\",\"os.features\":[\"win32k\"]}}],\"annotations\":{\"com.example.key1\":\"value1\"}}")]
    [InlineData("{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" + D1 + "\",\"size\":7143,\"annotations\":{\"org.opencontainers.image.ref.name\":\"v1\"}}]}")]
    [InlineData("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.docker.distribution.manifest.list.v2+json\",\"manifests\":[]}")]
    public void Index_round_trips_exactly(string json)
    {
        var index = OciJson.DeserializeIndex(Encoding.UTF8.GetBytes(json));
        Assert.Equal(json, Encoding.UTF8.GetString(OciJson.Serialize(index)));
    }

    [Fact]
    public void Annotations_are_written_in_sorted_order_and_nulls_omitted()
    {
        var descriptor = new Descriptor
        {
            MediaType = MediaType.OciLayerGzip,
            Digest = Digest.Parse(D1),
            Size = 3,
            Annotations = new Dictionary<string, string> { ["z"] = "1", ["a"] = "2", ["m"] = "3" },
        };
        Assert.Equal(
            "{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"" + D1 + "\",\"size\":3,\"annotations\":{\"a\":\"2\",\"m\":\"3\",\"z\":\"1\"}}",
            Encoding.UTF8.GetString(OciJson.Serialize(descriptor)));
    }

    [Fact]
    public void SerializeWithDigest_digests_the_exact_bytes()
    {
        var manifest = new ImageManifest
        {
            MediaType = MediaType.OciImageManifest,
            Config = new Descriptor { MediaType = MediaType.OciImageConfig, Digest = Digest.Parse(D1), Size = 10 },
            Layers = [new Descriptor { MediaType = MediaType.OciLayerGzip, Digest = Digest.Parse(D2), Size = 20 }],
        };
        var document = OciJson.SerializeWithDigest(manifest);
        Assert.Equal(Digest.Compute(document.Content.Span), document.Digest);
        Assert.Equal(document.Content.Length, document.Size);
        var descriptor = document.ToDescriptor(Platform.LinuxAmd64);
        Assert.Equal(MediaType.OciImageManifest, descriptor.MediaType);
        Assert.Equal("linux/amd64", descriptor.Platform!.ToString());
        Assert.Equal(manifest.Layers[0], OciJson.DeserializeManifest(document.Content.Span).Layers[0]);
    }

    [Theory]
    [InlineData("", "invalid JSON")]
    [InlineData("{", "invalid JSON")]
    [InlineData("null", "document is null")]
    [InlineData("[]", "invalid JSON")]
    [InlineData("{\"schemaVersion\":1,\"config\":{\"mediaType\":\"x\",\"digest\":\"" + D1 + "\",\"size\":1},\"layers\":[]}", "schemaVersion must be 2")]
    [InlineData("{\"schemaVersion\":2,\"layers\":[]}", "config")]
    [InlineData("{\"schemaVersion\":2,\"config\":{\"mediaType\":\"x\",\"digest\":\"sha256:abc\",\"size\":1},\"layers\":[]}", "64 hex characters")]
    [InlineData("{\"schemaVersion\":2,\"config\":{\"mediaType\":\"x\",\"digest\":\"" + D1 + "\",\"size\":-1},\"layers\":[]}", "config: size must not be negative")]
    [InlineData("{\"schemaVersion\":2,\"config\":{\"mediaType\":\"x\",\"digest\":\"" + D1 + "\"},\"layers\":[]}", "size")]
    [InlineData("{\"schemaVersion\":2,\"config\":{\"mediaType\":null,\"digest\":\"" + D1 + "\",\"size\":1},\"layers\":[]}", "mediaType")]
    [InlineData("{\"schemaVersion\":2,\"config\":{\"mediaType\":\"x\",\"digest\":\"" + D1 + "\",\"size\":1},\"layers\":[{\"mediaType\":\"\",\"digest\":\"" + D1 + "\",\"size\":1}]}", "layers[0]: mediaType is empty")]
    [InlineData("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"config\":{\"mediaType\":\"x\",\"digest\":\"" + D1 + "\",\"size\":1},\"layers\":[]}", "not an image manifest type")]
    public void Malformed_manifest_throws_OciFormatException(string json, string expected)
    {
        var error = Assert.Throws<OciFormatException>(() => OciJson.DeserializeManifest(Encoding.UTF8.GetBytes(json), "blobs/sha256/abc"));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Contains("image manifest blobs/sha256/abc", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Theory]
    [InlineData("{\"schemaVersion\":2}", "manifests")]
    [InlineData("{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"x\",\"size\":1}]}", "digest")]
    [InlineData("{\"schemaVersion\":3,\"manifests\":[]}", "schemaVersion")]
    [InlineData("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"manifests\":[]}", "not an index type")]
    public void Malformed_index_throws_OciFormatException(string json, string expected)
    {
        var error = Assert.Throws<OciFormatException>(() => OciJson.DeserializeIndex(Encoding.UTF8.GetBytes(json)));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Docker_config_is_parsed_with_nanosecond_times_and_unknown_fields_ignored()
    {
        const string json = """
            {"architecture":"amd64","config":{"Hostname":"","User":"app","ExposedPorts":{"80/tcp":{},"443/tcp":{}},"Env":["PATH=/usr/bin"],"Cmd":["/bin/sh"],"Volumes":{"/data":{}},"WorkingDir":"/app","Labels":{"b":"2","a":"1"},"Healthcheck":{"Test":["CMD-SHELL","true"],"Interval":30000000000,"Retries":3},"Shell":["/bin/sh","-c"]},
             "container":"abc","container_config":{"Hostname":"x"},"created":"2024-03-01T12:34:56.123456789Z","docker_version":"20.10.24","history":[{"created":"2024-03-01T12:34:56.123456789Z","created_by":"/bin/sh -c #(nop) COPY file:abc in / "},{"created":"2024-03-01T12:34:57Z","created_by":"/bin/sh -c #(nop)  CMD [\"/bin/sh\"]","empty_layer":true,"comment":"c"}],
             "os":"linux","variant":"v8","rootfs":{"type":"layers","diff_ids":["sha256:b5b2b2c507a0944348e0303114d8d93aaaa081732b86451d9bce1f432a537bc7","sha256:9834876dcfb05cb167a5c24953eba58c4ac89b1adf57f28f2f9d09af107ee8f0"]}}
            """;
        var config = OciJson.DeserializeConfig(Encoding.UTF8.GetBytes(json));
        Assert.Equal(new DateTimeOffset(2024, 3, 1, 12, 34, 56, TimeSpan.Zero).AddTicks(1234567), config.Created);
        Assert.Equal(["80/tcp", "443/tcp"], config.Config!.ExposedPorts);
        Assert.Equal(["/data"], config.Config.Volumes);
        Assert.Equal("1", config.Config.Labels!["a"]);
        Assert.Equal(30_000_000_000, config.Config.Healthcheck!.Interval);
        Assert.Equal(2, config.DiffIds.Count);
        Assert.Equal(DiffId.Parse(D2), config.DiffIds[1]);
        Assert.False(config.History![0].IsEmptyLayer);
        Assert.True(config.History[1].IsEmptyLayer);
        Assert.Equal("c", config.History[1].Comment);
        Assert.True(config.Platform!.Matches(Platform.LinuxArm64) == false);
        Assert.Equal("linux/amd64/v8", config.Platform.ToString());

        var rewritten = Encoding.UTF8.GetString(OciJson.Serialize(config));
        Assert.Contains("\"created\":\"2024-03-01T12:34:56.1234567Z\"", rewritten, StringComparison.Ordinal);
        Assert.Contains("\"ExposedPorts\":{\"443/tcp\":{},\"80/tcp\":{}}", rewritten, StringComparison.Ordinal);
        Assert.Contains("\"created\":\"2024-03-01T12:34:57Z\"", rewritten, StringComparison.Ordinal);
        Assert.Contains("\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" + D1 + "\",", rewritten, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"rootfs\":{\"type\":\"other\",\"diff_ids\":[]}}", "rootfs.type")]
    [InlineData("{\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"md5:abc\"]}}", "unsupported algorithm")]
    [InlineData("{\"created\":\"yesterday\"}", "RFC 3339")]
    [InlineData("{\"config\":{\"ExposedPorts\":[\"80\"]}}", "set")]
    public void Malformed_config_throws_OciFormatException(string json, string expected)
    {
        var error = Assert.Throws<OciFormatException>(() => OciJson.DeserializeConfig(Encoding.UTF8.GetBytes(json), "abc.json"));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Contains("abc.json", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Docker_archive_manifest_round_trips()
    {
        const string json = "[{\"Config\":\"abc.json\",\"RepoTags\":[\"app:1\"],\"Layers\":[\"l1/layer.tar\",\"l2/layer.tar\"]},{\"Config\":\"def.json\",\"RepoTags\":null,\"Layers\":[],\"LayerSources\":{\"" + D1 + "\":{\"mediaType\":\"application/vnd.docker.image.rootfs.foreign.diff.tar.gzip\",\"digest\":\"" + D2 + "\",\"size\":5,\"urls\":[\"https://x\"]}}}]";
        var manifests = OciJson.DeserializeDockerArchiveManifest(Encoding.UTF8.GetBytes(json));
        Assert.Equal(2, manifests.Count);
        Assert.Equal(["app:1"], manifests[0].RepoTags);
        Assert.Null(manifests[1].RepoTags);
        Assert.Equal(5, manifests[1].LayerSources![DiffId.Parse(D1)].Size);
        var expected = json.Replace("\"RepoTags\":null,", string.Empty, StringComparison.Ordinal);
        Assert.Equal(expected, Encoding.UTF8.GetString(OciJson.Serialize(manifests)));
        Assert.Throws<OciFormatException>(() => OciJson.DeserializeDockerArchiveManifest("[{\"Config\":\"\",\"Layers\":[]}]"u8));
        Assert.Throws<OciFormatException>(() => OciJson.DeserializeDockerArchiveManifest("{}"u8));
    }

    [Theory]
    [InlineData("{\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":[]}", MediaType.OciImageIndex)]
    [InlineData("{\"schemaVersion\":2,\"config\":{\"mediaType\":\"x\"},\"mediaType\":\"m\"}", "m")]
    [InlineData("{\"schemaVersion\":2}", null)]
    [InlineData("[1]", null)]
    [InlineData("{\"mediaType\":", null)]
    public void PeekMediaType_reads_only_the_top_level(string json, string? expected) =>
        Assert.Equal(expected, OciJson.PeekMediaType(Encoding.UTF8.GetBytes(json)));

    [Fact]
    public void Layout_header_and_repositories_round_trip()
    {
        Assert.Equal("{\"imageLayoutVersion\":\"1.0.0\"}", Encoding.UTF8.GetString(OciJson.Serialize(new OciLayoutHeader { ImageLayoutVersion = "1.0.0" })));
        Assert.Throws<OciFormatException>(() => OciJson.DeserializeLayoutHeader("{}"u8));
        var repositories = OciJson.DeserializeRepositories("{\"app\":{\"1\":\"abc\"}}"u8);
        Assert.Equal("abc", repositories["app"]["1"]);
    }
}
