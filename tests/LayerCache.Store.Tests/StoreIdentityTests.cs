using System.Net;
using LayerCache.Oci;

namespace LayerCache.Store.Tests;

/// <summary>The error classification, the two base image identities and the entry format versions.</summary>
public sealed class StoreIdentityTests
{
    private static readonly Digest A = Digest.Compute("a"u8);
    private static readonly Digest B = Digest.Compute("b"u8);

    public static TheoryData<Exception, StoreErrorKind?> Failures() => new()
    {
        { new BlobNotFoundException(A, "store"), StoreErrorKind.NotFound },
        { new FileNotFoundException("x"), StoreErrorKind.NotFound },
        { new DigestMismatchException(A, B), StoreErrorKind.Corrupt },
        { new OciFormatException("bad json"), StoreErrorKind.Corrupt },
        { new StoreCorruptException("index.json", "bad", null), StoreErrorKind.Corrupt },
        { new StoreLockTimeoutException("lock", TimeSpan.FromSeconds(1), exclusive: true, null), StoreErrorKind.Transient },
        { new IOException("disk"), StoreErrorKind.Transient },
        { new UnauthorizedAccessException(), StoreErrorKind.Denied },
        { new HttpRequestException("no", null, HttpStatusCode.Forbidden), StoreErrorKind.Denied },
        { new StoreUnsupportedException("no delete"), StoreErrorKind.Unsupported },
        { new StoreException(StoreErrorKind.Invalid, "bad tag", null), StoreErrorKind.Invalid },
        { new OperationCanceledException(), null },
        { new InvalidOperationException("a bug"), null },
    };

    [Theory]
    [MemberData(nameof(Failures))]
    public void Every_store_failure_has_one_kind_and_bugs_have_none(Exception failure, StoreErrorKind? kind)
    {
        Assert.Equal(kind, StoreErrors.Classify(failure));
        Assert.Equal(kind is not null, StoreErrors.IsStoreFailure(failure));
    }

    [Theory]
    [InlineData("BLOB_UNKNOWN", HttpStatusCode.NotFound, StoreErrorKind.NotFound)]
    [InlineData("MANIFEST_UNKNOWN", HttpStatusCode.NotFound, StoreErrorKind.NotFound)]
    [InlineData("DIGEST_INVALID", HttpStatusCode.BadRequest, StoreErrorKind.Corrupt)]
    [InlineData("TAG_INVALID", HttpStatusCode.BadRequest, StoreErrorKind.Invalid)]
    [InlineData("DENIED", HttpStatusCode.Forbidden, StoreErrorKind.Denied)]
    [InlineData("UNSUPPORTED", HttpStatusCode.MethodNotAllowed, StoreErrorKind.Unsupported)]
    [InlineData("TOOMANYREQUESTS", HttpStatusCode.TooManyRequests, StoreErrorKind.Transient)]
    [InlineData(null, HttpStatusCode.ServiceUnavailable, StoreErrorKind.Transient)]
    [InlineData(null, HttpStatusCode.MethodNotAllowed, StoreErrorKind.Unsupported)]
    [InlineData("SOMETHING_NEW", HttpStatusCode.Unauthorized, StoreErrorKind.Denied)]
    public void Distribution_error_codes_map_to_kinds(string? code, HttpStatusCode status, StoreErrorKind kind) =>
        Assert.Equal(kind, StoreErrors.FromDistributionCode(code, status));

    [Fact]
    public void Every_kind_maps_back_to_a_distribution_code_of_that_kind()
    {
        foreach (var kind in Enum.GetValues<StoreErrorKind>())
        {
            Assert.Equal(kind, StoreErrors.FromDistributionCode(StoreErrors.ToDistributionCode(kind), HttpStatusCode.OK));
        }
    }

    [Fact]
    public void Base_images_compare_only_the_identities_both_sides_have()
    {
        var both = new BaseImageIdentity(A, B);

        Assert.True(both.Matches(new BaseImageIdentity(A, null)));
        Assert.True(both.Matches(new BaseImageIdentity(null, B)));
        Assert.False(both.Contradicts(new BaseImageIdentity(null, B)));
        Assert.True(both.Contradicts(new BaseImageIdentity(B, null)));
        Assert.True(both.Contradicts(new BaseImageIdentity(A, A)));
        Assert.False(new BaseImageIdentity(A, null).Matches(new BaseImageIdentity(null, B)));
        Assert.False(new BaseImageIdentity(A, null).Contradicts(new BaseImageIdentity(null, B)));
        Assert.False(both.Contradicts(new BaseImageIdentity(null, null)));
    }

    [Fact]
    public void A_format_1_entry_is_still_read_and_an_unknown_format_is_refused()
    {
        var stage = new StageImage { Name = "app", ManifestDigest = A, ConfigDigest = B, ManifestSize = 10, Size = 100 };
        var entry = TestImages.Entry("p/main", new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), stage);
        var index = EntryCodec.ToIndex(entry);

        var v1 = index with
        {
            Annotations = index.Annotations!.Where(p => p.Key != StoreAnnotations.BaseManifests)
                .Append(new KeyValuePair<string, string>(StoreAnnotations.Format, "1"))
                .GroupBy(p => p.Key).ToDictionary(g => g.Key, g => g.Last().Value),
            Manifests = [.. index.Manifests.Select(d => d with { Annotations = d.Annotations!.Where(p => p.Key != StoreAnnotations.Layers).ToDictionary() })],
        };
        var read = EntryCodec.FromIndex(v1, A, "v1");
        Assert.Equal(entry.BaseImages.OrderBy(p => p.Key), read.BaseImages.OrderBy(p => p.Key));
        Assert.Empty(read.BaseImageManifests);
        Assert.Empty(Assert.Single(read.Stages).Layers);

        var v3 = index with { Annotations = new Dictionary<string, string>(index.Annotations!) { [StoreAnnotations.Format] = "3" } };
        var e = Assert.Throws<StoreCorruptException>(() => EntryCodec.FromIndex(v3, A, "v3"));
        Assert.Contains("format \"3\"", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_compressed_layers_tar_size_round_trips_beside_the_layers_rows_and_a_bad_one_is_ignored()
    {
        var gzip = new Descriptor
        {
            MediaType = MediaType.OciLayerGzip,
            Digest = A,
            Size = 30,
            Annotations = new Dictionary<string, string> { [StoreAnnotations.LayerTarSize] = "1024" },
        };
        var plain = new Descriptor { MediaType = MediaType.OciLayer, Digest = B, Size = 2048 };
        var stage = new StageImage
        {
            Name = "app", ManifestDigest = A, ConfigDigest = B, ManifestSize = 10, Size = 100,
            Layers = [new LayerRecord(DiffId.FromDigest(B), gzip), new LayerRecord(DiffId.FromDigest(B), plain)],
        };
        var index = EntryCodec.ToIndex(TestImages.Entry("p/main", new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), stage));

        // The rows keep exactly four fields, as every format 2 reader requires.
        Assert.DoesNotContain("1024", Assert.Single(index.Manifests).GetAnnotation(StoreAnnotations.Layers), StringComparison.Ordinal);
        var layers = Assert.Single(EntryCodec.FromIndex(index, A, "entry").Stages).Layers;
        Assert.Equal("1024", layers[0].Stored.GetAnnotation(StoreAnnotations.LayerTarSize));
        Assert.Null(layers[1].Stored.GetAnnotation(StoreAnnotations.LayerTarSize));

        foreach (var bad in new[] { "[\"x\",\"\"]", "[\"1\"]", "{", "[\"-1\",\"\"]" })
        {
            var hostile = index with { Manifests = [.. index.Manifests.Select(d => d with { Annotations = new Dictionary<string, string>(d.Annotations!) { [StoreAnnotations.LayerTarSize] = bad } })] };
            var read = Assert.Single(EntryCodec.FromIndex(hostile, A, "entry").Stages).Layers;
            Assert.Equal(2, read.Count);
            Assert.Null(read[0].Stored.GetAnnotation(StoreAnnotations.LayerTarSize));
        }
    }
}
