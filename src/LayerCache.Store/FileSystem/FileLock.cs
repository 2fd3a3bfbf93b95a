using LayerCache.Oci;
using Microsoft.Win32.SafeHandles;

namespace LayerCache.Store;

/// <summary>
/// An advisory lock on a file, shared or exclusive: <c>flock(2)</c>, which the kernel releases when
/// the process dies, so a killed process never leaves a lock behind. The lock file is opened through
/// <see cref="UntrustedFile"/> (never through a link, never a FIFO), so a hostile store cannot make
/// us create or block on a file elsewhere. Only contention is waited for (polling with backoff up to
/// the timeout): any other failure to open or lock (a read-only file system, permissions) is
/// reported at once, never retried as if someone held the lock.
/// </summary>
internal sealed class FileLock : IDisposable, IAsyncDisposable
{
    private readonly IDisposable _handle;

    private FileLock(IDisposable handle) => _handle = handle;

    /// <summary>Takes the lock on <paramref name="path"/> (created when missing).</summary>
    /// <exception cref="StoreLockTimeoutException">Another process held it for all of <paramref name="timeout"/>.</exception>
    /// <exception cref="StoreException">The lock file cannot be opened, created or locked; the message says why.</exception>
    /// <exception cref="StoreCorruptException">The lock file is a link, a directory or a special file.</exception>
    public static async Task<FileLock> AcquireAsync(string path, bool exclusive, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var started = DateTime.UtcNow;
        var delay = TimeSpan.FromMilliseconds(5);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Exception? contention;
            try
            {
                if (TryTake(path, exclusive) is { } taken)
                {
                    return new FileLock(taken);
                }

                contention = null;
            }
            catch (UnsafeFileException e)
            {
                throw new StoreCorruptException(path, e.Message, e);
            }
            catch (IOException e) when (!OperatingSystem.IsLinux() && e is not (DirectoryNotFoundException or FileNotFoundException))
            {
                // Elsewhere .NET reports a held lock as a sharing violation.
                contention = e;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new StoreException(path, $"{path}: cannot take the store lock: {e.Message}", e);
            }

            var waited = DateTime.UtcNow - started;
            if (waited >= timeout)
            {
                throw new StoreLockTimeoutException(path, waited, exclusive, contention);
            }

            var remaining = timeout - waited;
            await Task.Delay(delay < remaining ? delay : remaining, cancellationToken);
            delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 250));
        }
    }

    /// <inheritdoc/>
    public void Dispose() => _handle.Dispose();

    /// <inheritdoc/>
    public ValueTask DisposeAsync()
    {
        _handle.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>The locked handle, or null when another process holds the lock.</summary>
    private static IDisposable? TryTake(string path, bool exclusive)
    {
        if (!OperatingSystem.IsLinux())
        {
            UntrustedFile.RequireFileOrMissing(path);

            // .NET takes flock on open (FileShare.None → exclusive); read access for the shared lock,
            // as nobody ever writes to a lock file.
            return exclusive
                ? new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None)
                : new FileStream(path, FileMode.OpenOrCreate, FileAccess.Read, FileShare.ReadWrite, 1, FileOptions.None);
        }

        SafeFileHandle handle = UntrustedFile.OpenOrCreateForLock(path);
        try
        {
            if (UntrustedFile.TryLock(handle, exclusive, path))
            {
                return handle;
            }
        }
        catch
        {
            handle.Dispose();
            throw;
        }

        handle.Dispose();
        return null;
    }
}
