using LayerCache.Core.Workflows;
using LayerCache.Oci;
using LayerCache.Store;

namespace LayerCache.Core.Tests;

public sealed class RestoreRejectionTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);
    private static readonly Digest OldBase = Digest.Compute("old"u8);
    private static readonly Digest NewBase = Digest.Compute("new"u8);
    private static readonly CacheScope Main = CacheScope.Parse("acme/main");
    private static readonly ImageIdentity App = new("Dockerfile", null, null);

    private static CacheEntry Entry(TimeSpan age, string builder = "buildkit") => new()
    {
        Scope = Main,
        Image = App,
        Created = Now - age,
        Key = Digest.Compute("key"u8),
        Stages = [],
        BaseImages = new Dictionary<string, Digest> { ["busybox:latest"] = OldBase },
        Builder = builder,
        Id = Digest.Compute("entry"u8),
    };

    private static Dictionary<string, Digest?> Bases(Digest? busybox) => new() { ["busybox:latest"] = busybox };

    private static RestoreCriteria Criteria(TimeSpan? maxAge = null, Digest? busybox = null, string builder = "buildkit", EntrySigner? signer = null, ImageIdentity? image = null) =>
        new(Main, image ?? App, Now, maxAge, Bases(busybox ?? OldBase), builder, signer);

    [Fact]
    public void A_matching_fresh_entry_is_restored() =>
        Assert.Null(RestoreStep.Rejection(Entry(TimeSpan.FromHours(1)), Criteria(TimeSpan.FromDays(7))));

    [Fact]
    public void A_changed_base_image_is_named_with_both_ids()
    {
        var why = RestoreStep.Rejection(Entry(TimeSpan.FromHours(1)), Criteria(busybox: NewBase));

        Assert.Equal($"base image busybox:latest changed ({OldBase.Hex[..12]} -> {NewBase.Hex[..12]})", why);
    }

    [Fact]
    public void A_base_image_the_engine_lacks_does_not_reject() =>
        Assert.Null(RestoreStep.Rejection(Entry(TimeSpan.FromHours(1)), new RestoreCriteria(Main, App, Now, null, Bases(null), "buildkit", null)));

    [Fact]
    public void An_entry_older_than_max_age_is_not_restored_so_updates_arrive()
    {
        var why = RestoreStep.Rejection(Entry(TimeSpan.FromDays(8)), Criteria(TimeSpan.FromDays(7)));

        Assert.StartsWith("created 8d ago, older than --max-age 7d", why, StringComparison.Ordinal);
    }

    [Fact]
    public void Max_age_zero_rejects_everything_older_than_now() =>
        Assert.NotNull(RestoreStep.Rejection(Entry(TimeSpan.FromSeconds(1)), Criteria(TimeSpan.Zero)));

    [Fact]
    public void Another_builders_entry_could_not_hit() =>
        Assert.Equal("made by the classic builder; this build uses buildkit", RestoreStep.Rejection(Entry(TimeSpan.Zero, "classic"), Criteria()));

    [Fact]
    public void An_entry_dated_in_the_future_is_invalid_whatever_the_max_age()
    {
        var farFuture = Entry(TimeSpan.Zero) with { Created = new DateTimeOffset(9999, 12, 31, 0, 0, 0, TimeSpan.Zero) };

        Assert.StartsWith("invalid: created 9999-12-31", RestoreStep.Rejection(farFuture, Criteria(TimeSpan.FromDays(7))), StringComparison.Ordinal);
        Assert.NotNull(RestoreStep.Rejection(farFuture, Criteria()));
    }

    [Fact]
    public void A_clock_a_minute_ahead_is_within_the_skew_allowance() =>
        Assert.Null(RestoreStep.Rejection(Entry(TimeSpan.FromMinutes(-1)), Criteria(TimeSpan.FromDays(7))));

    [Fact]
    public void An_entry_whose_blob_states_another_scope_is_not_restored_for_this_one()
    {
        var other = Entry(TimeSpan.Zero) with { Scope = CacheScope.Parse("acme/pr-7") };

        Assert.Equal("the entry belongs to scope acme/pr-7, not acme/main", RestoreStep.Rejection(other, Criteria()));
    }

    [Theory]
    [InlineData("Dockerfile.worker", null, null)]
    [InlineData("Dockerfile", "test", null)]
    [InlineData("Dockerfile", null, "linux/arm64")]
    public void Another_images_entry_is_not_restored(string dockerfile, string? target, string? platform)
    {
        var why = RestoreStep.Rejection(Entry(TimeSpan.Zero) with { Image = new ImageIdentity(dockerfile, target, platform) }, Criteria());

        Assert.StartsWith("caches another image", why, StringComparison.Ordinal);
    }

    [Fact]
    public void With_a_signing_key_only_entries_signed_with_it_are_restored()
    {
        var key = EntrySigner.FromSecret("default-branch-secret");
        var entry = Entry(TimeSpan.Zero);
        var signed = entry with { Signature = key.Sign(entry) };
        var otherKey = entry with { Signature = EntrySigner.FromSecret("a-pr-guess").Sign(entry) };

        Assert.Null(RestoreStep.Rejection(signed, Criteria(signer: key)));
        Assert.Equal("not signed; this build has LAYERCACHE_SIGNING_KEY and restores only entries signed with it", RestoreStep.Rejection(entry, Criteria(signer: key)));
        Assert.Equal("its signature does not match LAYERCACHE_SIGNING_KEY (signed with another key, or altered)", RestoreStep.Rejection(otherKey, Criteria(signer: key)));
        Assert.Null(RestoreStep.Rejection(entry, Criteria()));
    }

    [Fact]
    public void A_signature_does_not_carry_over_to_another_entry()
    {
        var key = EntrySigner.FromSecret("k");
        var entry = Entry(TimeSpan.Zero);
        var moved = (entry with { Id = Digest.Compute("poisoned"u8) }) with { Signature = key.Sign(entry) };

        Assert.NotNull(RestoreStep.Rejection(moved, Criteria(signer: key)));
    }
}
