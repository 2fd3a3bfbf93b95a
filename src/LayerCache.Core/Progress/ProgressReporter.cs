namespace LayerCache.Core.Progress;

/// <summary>
/// Where and how often the progress of long transfers (a restore's <c>docker load</c>, a save's
/// export) is shown. The CLI makes one per run: a short interval for a line rewritten in place on a
/// terminal, a few seconds for a CI log, where every line stays.
/// </summary>
/// <param name="show">Receives each progress line; <c>final</c> is true for the last line of a transfer.</param>
/// <param name="interval">The least time between two lines of one transfer.</param>
/// <param name="clock">The clock (tests move it).</param>
public sealed class ProgressReporter(Action<string, bool> show, TimeSpan interval, TimeProvider? clock = null)
{
    /// <summary>The least time between two lines of one transfer.</summary>
    public TimeSpan Interval { get; } = interval;

    /// <summary>Starts a transfer and shows its first line ("restoring 3 layers, 300 MB…").</summary>
    /// <param name="activity">The verb in the -ing form: <c>restoring</c>, <c>saving</c>.</param>
    /// <param name="done">The verb for the last line: <c>restored</c>, <c>saved</c>.</param>
    /// <param name="totalBytes">The bytes the transfer will move, or null when not known ahead.</param>
    /// <param name="totalLayers">The layers it will move, or null when not known ahead.</param>
    internal TransferProgress Start(string activity, string done, long? totalBytes, int? totalLayers)
    {
        var transfer = new TransferProgress(activity, done, totalBytes, totalLayers, show, Interval, clock ?? TimeProvider.System);
        transfer.Begin();
        return transfer;
    }
}
