using System.Globalization;

namespace LayerCache.Testing;

/// <summary>
/// Best-effort teardown of what a private daemon leaves on the host: processes started under its
/// directory, mounts under it, the directory itself and its bridge interface.
/// </summary>
internal static class HostCleanup
{
    private static readonly Lazy<Task> Sweep = new(SweepStaleAsync);

    /// <summary>Sweeps leftovers of dead test processes, once per test process.</summary>
    public static Task SweepStaleOnceAsync() => Sweep.Value;

    /// <summary>Records the owning test process (and bridge) of a private directory, for <see cref="SweepStaleOnceAsync"/>.</summary>
    public static Task WriteOwnerAsync(string root, string bridge, CancellationToken cancellationToken) =>
        File.WriteAllTextAsync(Path.Combine(root, "owner"), $"{Environment.ProcessId}\n{bridge}\n", cancellationToken);

    /// <summary>Kills what runs from <paramref name="root"/>, unmounts and deletes it, and deletes its bridge.</summary>
    public static async Task TearDownAsync(string root, string bridge)
    {
        await KillRemainingAsync(root);
        await UnmountUnderAsync(root);
        await DeleteDirectoryAsync(root);
        if (bridge.Length > 0)
        {
            await DeleteLinkAsync(bridge);
        }
    }

    /// <summary>Processes whose command line mentions <paramref name="marker"/> (our unique temp directory).</summary>
    public static IReadOnlyList<int> FindProcesses(string marker)
    {
        var self = Environment.ProcessId;
        var found = new List<int>();
        foreach (var entry in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(entry), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || pid == self)
            {
                continue;
            }

            try
            {
                var cmdline = File.ReadAllText(Path.Combine(entry, "cmdline"));
                if (cmdline.Contains(marker, StringComparison.Ordinal))
                {
                    found.Add(pid);
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // The process exited while we looked; nothing to clean.
            }
        }

        return found;
    }

    /// <summary>SIGTERM, then SIGKILL after <paramref name="grace"/> if the process is still there.</summary>
    public static async Task StopAsync(int pid, TimeSpan grace)
    {
        if (!NativeMethods.Signal(pid, NativeMethods.SigTerm))
        {
            return;
        }

        var deadline = DateTime.UtcNow + grace;
        while (NativeMethods.IsAlive(pid) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        if (NativeMethods.IsAlive(pid))
        {
            NativeMethods.Signal(pid, NativeMethods.SigKill);
        }
    }

    /// <summary>Kills every process still running from <paramref name="directory"/> (shims, orphans).</summary>
    public static async Task KillRemainingAsync(string directory)
    {
        var marker = directory.TrimEnd('/') + "/";
        for (var round = 0; round < 20; round++)
        {
            var pids = FindProcesses(marker);
            if (pids.Count == 0)
            {
                return;
            }

            foreach (var pid in pids)
            {
                NativeMethods.Signal(pid, NativeMethods.SigKill);
            }

            await Task.Delay(50);
        }
    }

    /// <summary>Lazily unmounts every mount point at or under <paramref name="directory"/>, deepest first.</summary>
    public static async Task UnmountUnderAsync(string directory)
    {
        var prefix = directory.TrimEnd('/') + "/";
        var mounts = new List<string>();
        foreach (var line in await File.ReadAllLinesAsync("/proc/self/mountinfo"))
        {
            // mountinfo field 5 is the mount point, with spaces escaped as \040.
            var fields = line.Split(' ');
            if (fields.Length > 4)
            {
                var mountPoint = fields[4].Replace("\\040", " ", StringComparison.Ordinal);
                if (mountPoint.StartsWith(prefix, StringComparison.Ordinal) || mountPoint == directory)
                {
                    mounts.Add(mountPoint);
                }
            }
        }

        if (mounts.Count == 0)
        {
            return;
        }

        var ordered = mounts.Distinct().OrderByDescending(m => m.Length).ToList();
        await ProcessRunner.RunAsync("umount", ["-l", .. ordered], CancellationToken.None);
    }

    /// <summary>Deletes a directory tree, retrying briefly because lazy unmounts finish asynchronously.</summary>
    public static async Task DeleteDirectoryAsync(string directory)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                if (Directory.Exists(directory))
                {
                    Directory.Delete(directory, recursive: true);
                }

                return;
            }
            catch (Exception ex) when ((ex is IOException or UnauthorizedAccessException) && attempt < 10)
            {
                await Task.Delay(200);
            }
        }
    }

    /// <summary>Deletes a network interface if it exists.</summary>
    public static async Task DeleteLinkAsync(string name)
    {
        if (Directory.Exists($"/sys/class/net/{name}"))
        {
            await ProcessRunner.RunAsync(Prerequisites.Ip, ["link", "del", name], CancellationToken.None);
        }
    }

    /// <summary>
    /// Removes what test processes that died without teardown left behind: /tmp/lc-* directories whose
    /// owner process is gone, with their processes, mounts and bridges.
    /// </summary>
    private static async Task SweepStaleAsync()
    {
        foreach (var dir in Directory.EnumerateDirectories("/tmp", "lc-*"))
        {
            string[] owner;
            try
            {
                owner = (await File.ReadAllTextAsync(Path.Combine(dir, "owner"))).Split('\n');
            }
            catch (IOException)
            {
                continue;
            }

            if (owner.Length < 2 || !int.TryParse(owner[0], NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || NativeMethods.IsAlive(pid))
            {
                continue;
            }

            await TearDownAsync(dir, owner[1].Trim());
        }
    }
}
