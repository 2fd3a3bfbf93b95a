using LayerCache.Core.Keys;
using LayerCache.Oci;

namespace LayerCache.Core.Tests;

public sealed class CacheKeyTests
{
    private static readonly Digest DockerfileDigest = Digest.Compute("FROM busybox\n"u8);
    private static readonly Digest BaseA = Digest.Compute("a"u8);
    private static readonly Digest BaseB = Digest.Compute("b"u8);

    private static CacheKeyInputs Inputs(Digest? baseImage = null, string arg = "1") => new(
        DockerfileDigest,
        "runtime",
        "buildkit",
        new Dictionary<string, Digest> { ["VERSION"] = CacheKey.HashValue(arg) },
        new Dictionary<string, Digest> { ["deps.lock"] = Digest.Compute("x"u8) },
        new Dictionary<string, Digest?> { ["busybox:latest"] = baseImage ?? BaseA });

    [Fact]
    public void Registry_manifest_digests_make_a_v2_key_that_names_the_identity_and_no_manifests_keep_v1()
    {
        var engine = Inputs();
        var registry = Inputs() with { BaseManifests = new Dictionary<string, Digest?> { ["busybox:latest"] = BaseB } };
        var unresolved = Inputs() with { BaseManifests = new Dictionary<string, Digest?> { ["busybox:latest"] = null } };

        Assert.Equal("v1", CacheKey.FormatOf(engine));
        Assert.Equal(CacheKey.Compute(engine), CacheKey.Compute(unresolved));
        Assert.Equal("v2", CacheKey.FormatOf(registry));
        Assert.StartsWith("layercache-key v2\n", CacheKey.CanonicalText(registry), StringComparison.Ordinal);
        Assert.Contains($"base busybox:latest manifest:{BaseB}\n", CacheKey.CanonicalText(registry), StringComparison.Ordinal);

        // The same digest as an engine image id and as a manifest digest are different identities.
        Assert.NotEqual(CacheKey.Compute(Inputs(baseImage: BaseB)), CacheKey.Compute(registry));
        var newer = Inputs() with { BaseManifests = new Dictionary<string, Digest?> { ["busybox:latest"] = BaseA } };
        Assert.NotEqual(CacheKey.Compute(newer), CacheKey.Compute(registry));
    }

    [Fact]
    public void The_platform_is_part_of_the_key_and_no_platform_keeps_the_old_key()
    {
        var none = Inputs();
        var arm = Inputs() with { Platform = "linux/arm64" };
        var amd = Inputs() with { Platform = "linux/amd64" };

        Assert.NotEqual(CacheKey.Compute(arm), CacheKey.Compute(amd));
        Assert.NotEqual(CacheKey.Compute(none), CacheKey.Compute(amd));
        Assert.DoesNotContain("platform", CacheKey.CanonicalText(none), StringComparison.Ordinal);
    }

    [Fact]
    public void Same_inputs_same_key() => Assert.Equal(CacheKey.Compute(Inputs()), CacheKey.Compute(Inputs()));

    [Fact]
    public void A_new_base_image_digest_changes_the_key() =>
        Assert.NotEqual(CacheKey.Compute(Inputs(BaseA)), CacheKey.Compute(Inputs(BaseB)));

    [Fact]
    public void A_build_arg_changes_the_key_but_its_value_is_never_shown()
    {
        var text = CacheKey.CanonicalText(Inputs(arg: "s3cret"));

        Assert.NotEqual(CacheKey.Compute(Inputs(arg: "1")), CacheKey.Compute(Inputs(arg: "s3cret")));
        Assert.DoesNotContain("s3cret", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Canonical_text_is_sorted_and_versioned()
    {
        var text = CacheKey.CanonicalText(Inputs());

        Assert.StartsWith("layercache-key v1\n", text, StringComparison.Ordinal);
        Assert.Contains($"base busybox:latest {BaseA.Value}\n", text, StringComparison.Ordinal);
    }
}
