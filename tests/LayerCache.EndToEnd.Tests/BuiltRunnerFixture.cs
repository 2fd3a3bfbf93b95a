namespace LayerCache.EndToEnd.Tests;

/// <summary>
/// A runner on which the example is built (restored from the seed store, then an all-cached
/// <c>layercache build</c>), for tests that exercise <c>save</c> over and over: every save finds the
/// same stage images, so what varies is only the store and how the save ends.
/// </summary>
public sealed class BuiltRunnerFixture : IAsyncLifetime
{
    // A path, not a TempDirectory: xunit disposes fixtures through IAsyncLifetime only.
    private readonly string _temp = Path.Combine("/tmp", "lc-e2e-" + Guid.NewGuid().ToString("N")[..8]);
    private Runner? _runner;

    internal Runner Runner => _runner ?? throw new InvalidOperationException("fixture not initialised");

    internal ExampleApp App { get; private set; } = null!;

    internal string Temp => _temp;

    public async Task InitializeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        var store = Path.Combine(_temp, "seed");
        await SeedStore.CopyClassicAsync(store);
        App = ExampleApp.CopyTo(Path.Combine(_temp, "app"));
        _runner = await Runner.StartAsync(timeout.Token);
        var build = await _runner.LayercacheAsync(Builder.Classic, Commands.Build(App.Directory, store, "--scope", Commands.MainScope), timeout.Token);
        build.ExpectExit(0);
    }

    public async Task DisposeAsync()
    {
        if (_runner is not null)
        {
            await _runner.DisposeAsync();
        }

        try
        {
            Directory.Delete(_temp, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
