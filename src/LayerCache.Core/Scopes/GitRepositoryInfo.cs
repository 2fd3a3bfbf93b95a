using System.Diagnostics;

namespace LayerCache.Core.Scopes;

/// <summary>Asks git (when it is installed and the directory is a work tree) for the branch and project name.</summary>
public static class GitRepositoryInfo
{
    /// <summary>The current branch, or null (detached HEAD, no git, not a repository).</summary>
    public static async Task<string?> GetBranchAsync(string directory, CancellationToken cancellationToken)
    {
        var branch = await RunGitAsync(directory, ["rev-parse", "--abbrev-ref", "HEAD"], cancellationToken);
        return branch is null or "HEAD" ? null : branch;
    }

    /// <summary>The project name: the remote origin's path, else the work tree's directory name.</summary>
    public static async Task<string?> GetProjectAsync(string directory, CancellationToken cancellationToken)
    {
        var url = await RunGitAsync(directory, ["config", "--get", "remote.origin.url"], cancellationToken);
        if (url is not null)
        {
            // git@host:org/repo.git, https://host/org/repo.git -> org/repo
            var path = url.Contains("://", StringComparison.Ordinal) ? new Uri(url).AbsolutePath : url[(url.IndexOf(':', StringComparison.Ordinal) + 1)..];
            path = path.Trim('/');
            if (path.EndsWith(".git", StringComparison.Ordinal))
            {
                path = path[..^4];
            }

            if (path.Length > 0)
            {
                return path;
            }
        }

        var top = await RunGitAsync(directory, ["rev-parse", "--show-toplevel"], cancellationToken);
        return top is null ? null : Path.GetFileName(top);
    }

    /// <summary>The remote's default branch (origin/HEAD), when the clone recorded it.</summary>
    public static async Task<string?> GetDefaultBranchAsync(string directory, CancellationToken cancellationToken)
    {
        var head = await RunGitAsync(directory, ["symbolic-ref", "--quiet", "refs/remotes/origin/HEAD"], cancellationToken);
        const string prefix = "refs/remotes/origin/";
        return head is not null && head.StartsWith(prefix, StringComparison.Ordinal) ? head[prefix.Length..] : null;
    }

    private static async Task<string?> RunGitAsync(string directory, string[] args, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("git")
        {
            WorkingDirectory = Directory.Exists(directory) ? directory : Environment.CurrentDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        try
        {
            using var process = Process.Start(start);
            if (process is null)
            {
                return null;
            }

            var output = await process.StandardOutput.ReadToEndAsync(cancellationToken);
            await process.WaitForExitAsync(cancellationToken);
            return process.ExitCode == 0 && output.Trim() is { Length: > 0 } text ? text : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // git is not installed: the scope falls back to "default".
            return null;
        }
    }
}
