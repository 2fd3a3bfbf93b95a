namespace LayerCache.Registry.Tests;

/// <summary>A per-test-run cancellation token with a generous deadline, so a hung test fails instead of blocking CI.</summary>
internal static class TestContext
{
    private static readonly CancellationTokenSource Source = new(TimeSpan.FromMinutes(10));

    public static CancellationToken Token => Source.Token;
}
