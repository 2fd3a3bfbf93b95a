namespace LayerCache.EndToEnd.Tests;

/// <summary>
/// At most two private engines at once in this test process: each <see cref="Runner"/> holds a slot
/// from start to disposal. A test never asks for a second slot while it holds one (runners are used
/// one after the other, like successive CI jobs), so waiting here cannot deadlock.
/// </summary>
internal static class EngineSlots
{
    public const int Count = 2;

    private static readonly SemaphoreSlim Slots = new(Count, Count);

    public static async Task<IDisposable> AcquireAsync(CancellationToken cancellationToken)
    {
        await Slots.WaitAsync(cancellationToken);
        return new Slot();
    }

    private sealed class Slot : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                Slots.Release();
            }
        }
    }
}
