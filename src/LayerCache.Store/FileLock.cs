namespace LayerCache.Store;

/// <summary>
/// An advisory lock on a file, shared or exclusive. On Unix .NET takes <c>flock(2)</c> on open
/// (<see cref="FileShare.None"/> → exclusive, otherwise shared), which the kernel releases when the
/// process dies, so a killed process never leaves a lock behind. Taking it polls with backoff up to a
/// timeout because <c>flock</c> through <see cref="FileStream"/> is non-blocking.
/// </summary>
internal sealed class FileLock : IDisposable, IAsyncDisposable
{
    private readonly FileStream _stream;

    private FileLock(FileStream stream) => _stream = stream;

    /// <summary>Takes the lock on <paramref name="path"/> (created when missing).</summary>
    /// <exception cref="StoreLockTimeoutException">Not obtained within <paramref name="timeout"/>.</exception>
    public static async Task<FileLock> AcquireAsync(string path, bool exclusive, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var started = DateTime.UtcNow;
        var delay = TimeSpan.FromMilliseconds(5);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            IOException? failure;
            try
            {
                // Read access for the shared lock: .NET skips LOCK_SH for writable handles on network
                // file systems, and nobody ever writes to a lock file.
                var stream = exclusive
                    ? new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None)
                    : new FileStream(path, FileMode.OpenOrCreate, FileAccess.Read, FileShare.ReadWrite, 1, FileOptions.None);
                return new FileLock(stream);
            }
            catch (IOException e) when (e is not DirectoryNotFoundException)
            {
                failure = e;
            }

            var waited = DateTime.UtcNow - started;
            if (waited >= timeout)
            {
                throw new StoreLockTimeoutException(path, waited, exclusive, failure);
            }

            var remaining = timeout - waited;
            await Task.Delay(delay < remaining ? delay : remaining, cancellationToken);
            delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 250));
        }
    }

    /// <inheritdoc/>
    public void Dispose() => _stream.Dispose();

    /// <inheritdoc/>
    public ValueTask DisposeAsync() => _stream.DisposeAsync();
}
