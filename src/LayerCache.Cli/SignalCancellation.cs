using System.Runtime.InteropServices;

namespace LayerCache.Cli;

/// <summary>
/// SIGINT (Ctrl-C) and SIGTERM (a CI cancelling the job, <c>timeout</c>) cancel the run: the token
/// reaches every workflow, the docker child is killed, temp files and locks are released, and the
/// process exits as a shell reports a death by that signal (130, 143). A second signal is not
/// intercepted, so it terminates at once.
/// </summary>
internal sealed class SignalCancellation : IDisposable
{
    private readonly CancellationTokenSource _source = new();
    private readonly PosixSignalRegistration _interrupt;
    private readonly PosixSignalRegistration _terminate;
    private int _signal;

    public SignalCancellation()
    {
        _interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        _terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
    }

    public CancellationToken Token => _source.Token;

    /// <summary>128 + the signal's number once one arrived (130 for SIGINT, 143 for SIGTERM), else null.</summary>
    public int? ExitCode => Volatile.Read(ref _signal) is var signal and > 0 ? 128 + signal : null;

    public void Dispose()
    {
        _interrupt.Dispose();
        _terminate.Dispose();
        _source.Dispose();
    }

    private void OnSignal(PosixSignalContext context)
    {
        // PosixSignal values are negative abstractions; the exit code wants Linux's numbers.
        var number = context.Signal == PosixSignal.SIGTERM ? 15 : 2;
        if (Interlocked.CompareExchange(ref _signal, number, 0) != 0)
        {
            return;
        }

        // Without this the runtime would start its own shutdown under the running workflow.
        context.Cancel = true;
        _source.Cancel();
    }
}
