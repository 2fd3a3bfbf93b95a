using System.Globalization;

namespace LayerCache.Docker;

/// <summary>
/// An <c>ssh://[user@]host[:port][/socket]</c> engine. The docker CLI reaches it by running
/// <c>ssh -l USER -p PORT -o ConnectTimeout=30 -T -- HOST docker system dial-stdio</c> (with
/// <c>--host=unix://SOCKET</c> when a path is given) and speaking HTTP over the process's stdin and
/// stdout (docker/cli cli/connhelper/connhelper.go, cli/connhelper/ssh/ssh.go); so does layercache.
/// </summary>
public sealed record SshTarget
{
    /// <summary>The login name, or null for ssh's default.</summary>
    public string? User { get; init; }

    /// <summary>The host name or address.</summary>
    public required string HostName { get; init; }

    /// <summary>The port, or null for ssh's default.</summary>
    public int? Port { get; init; }

    /// <summary>The engine socket on the remote host, or null for the remote docker CLI's default.</summary>
    public string? SocketPath { get; init; }

    /// <summary>The arguments of the <c>ssh</c> command (without <c>ssh</c> itself).</summary>
    public IReadOnlyList<string> CommandArguments()
    {
        var args = new List<string>();
        if (User is not null)
        {
            args.AddRange(["-l", User]);
        }

        if (Port is { } port)
        {
            args.AddRange(["-p", port.ToString(CultureInfo.InvariantCulture)]);
        }

        args.AddRange(["-o", "ConnectTimeout=30", "-T", "--", HostName]);
        // ssh hands the remote command to a POSIX shell: the socket path is quoted.
        args.Add(SocketPath is null
            ? "docker system dial-stdio"
            : $"docker {ShellQuote("--host=unix://" + SocketPath)} system dial-stdio");
        return args;
    }

    private static string ShellQuote(string value) => "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
