using LayerCache.Core.Workflows;
using LayerCache.Oci;
using LayerCache.Store;

namespace LayerCache.Core.Tests;

public sealed class RestoreRejectionTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);
    private static readonly Digest OldBase = Digest.Compute("old"u8);
    private static readonly Digest NewBase = Digest.Compute("new"u8);

    private static CacheEntry Entry(TimeSpan age, string builder = "buildkit") => new()
    {
        Scope = CacheScope.Parse("acme/main"),
        Created = Now - age,
        Key = Digest.Compute("key"u8),
        Stages = [],
        BaseImages = new Dictionary<string, Digest> { ["busybox:latest"] = OldBase },
        Builder = builder,
    };

    private static Dictionary<string, Digest?> Bases(Digest? busybox) => new() { ["busybox:latest"] = busybox };

    [Fact]
    public void A_matching_fresh_entry_is_restored() =>
        Assert.Null(RestoreStep.Rejection(Entry(TimeSpan.FromHours(1)), Now, TimeSpan.FromDays(7), Bases(OldBase), "buildkit"));

    [Fact]
    public void A_changed_base_image_is_named_with_both_ids()
    {
        var why = RestoreStep.Rejection(Entry(TimeSpan.FromHours(1)), Now, null, Bases(NewBase), "buildkit");

        Assert.Equal($"base image busybox:latest changed ({OldBase.Hex[..12]} -> {NewBase.Hex[..12]})", why);
    }

    [Fact]
    public void A_base_image_the_engine_lacks_does_not_reject() =>
        Assert.Null(RestoreStep.Rejection(Entry(TimeSpan.FromHours(1)), Now, null, Bases(null), "buildkit"));

    [Fact]
    public void An_entry_older_than_max_age_is_not_restored_so_updates_arrive()
    {
        var why = RestoreStep.Rejection(Entry(TimeSpan.FromDays(8)), Now, TimeSpan.FromDays(7), Bases(OldBase), "buildkit");

        Assert.StartsWith("created 8d ago, older than --max-age 7d", why, StringComparison.Ordinal);
    }

    [Fact]
    public void Max_age_zero_rejects_everything_older_than_now() =>
        Assert.NotNull(RestoreStep.Rejection(Entry(TimeSpan.FromSeconds(1)), Now, TimeSpan.Zero, Bases(OldBase), "buildkit"));

    [Fact]
    public void Another_builders_entry_could_not_hit() =>
        Assert.Equal("made by the classic builder; this build uses buildkit", RestoreStep.Rejection(Entry(TimeSpan.Zero, "classic"), Now, null, Bases(OldBase), "buildkit"));
}
