using System.Diagnostics;
using System.Security.Cryptography;

namespace LayerCache.Store.Tests;

/// <summary>What an attacker puts into a store: FIFOs, links; and a fingerprint of a directory outside it that must not change.</summary>
public static class HostileFiles
{
    /// <summary>Makes a FIFO at <paramref name="path"/> (replacing what is there).</summary>
    public static void MakeFifo(string path)
    {
        Remove(path);
        using var process = Process.Start(new ProcessStartInfo("mkfifo", [path]) { UseShellExecute = false })!;
        process.WaitForExit();
        Assert.Equal(0, process.ExitCode);
    }

    /// <summary>Replaces <paramref name="path"/> by a symbolic link to <paramref name="target"/>.</summary>
    public static void Link(string path, string target)
    {
        Remove(path);
        File.CreateSymbolicLink(path, target);
    }

    /// <summary>Removes a file, link or directory (links unlinked, never followed).</summary>
    public static void Remove(string path)
    {
        var info = new FileInfo(path);
        if (info.LinkTarget is not null || info.Exists)
        {
            File.Delete(path);
        }
        else if (Directory.Exists(path))
        {
            Directory.Delete(path, recursive: true);
        }
    }

    /// <summary>Every path under <paramref name="root"/> with its type, size, write time and content hash.</summary>
    public static SortedDictionary<string, string> Fingerprint(string root)
    {
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var path in Directory.EnumerateFileSystemEntries(root, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }))
        {
            var info = new FileInfo(path);
            var relative = Path.GetRelativePath(root, path);
            if (info.LinkTarget is { } target)
            {
                result[relative] = "link " + target;
            }
            else if (info.Exists)
            {
                result[relative] = $"file {info.Length} {info.LastWriteTimeUtc.Ticks} {Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)))}";
            }
            else
            {
                result[relative] = "dir";
            }
        }

        return result;
    }
}
