using System.CommandLine;
using System.Security.Cryptography;
using LayerCache.Core;
using LayerCache.Server;
using LayerCache.Store;

namespace LayerCache.Cli.Commands;

/// <summary>
/// <c>layercache serve</c>: a team cache server, the OCI distribution API over a directory store
/// (see <see cref="RegistryServer"/>). Binds its options into <see cref="ServerOptions"/> and runs
/// until SIGTERM/SIGINT, which stop it cleanly (open uploads cancelled, the store's lock released).
/// </summary>
internal static class ServeCommand
{
    public static Command Create(CliContext cli)
    {
        var store = new Option<string>("--store") { Description = "The store to serve: dir:PATH (created when missing)", HelpName = "dir:PATH", Required = true };
        var listen = new Option<string>("--listen") { Description = "Address to listen on: [HOST]:PORT (:5000 listens on every interface)", HelpName = "[HOST]:PORT", DefaultValueFactory = _ => "127.0.0.1:5000" };
        var tlsCert = new Option<string?>("--tls-cert") { Description = "Serve HTTPS with this PEM certificate (with --tls-key)", HelpName = "PATH" };
        var tlsKey = new Option<string?>("--tls-key") { Description = "The PEM private key of --tls-cert", HelpName = "PATH" };
        var tokens = new Option<string?>("--tokens") { Description = "Require tokens: a file of 'sha256:HEX read:GLOB write:GLOB ...' lines (HEX is the SHA-256 of the token)", HelpName = "FILE" };
        var gcInterval = new Option<string?>("--gc-interval") { Description = "Run the online GC this often (e.g. 10m); off when not given", HelpName = "AGE" };
        var gcGrace = new Option<string?>("--gc-grace") { Description = "Keep a blob nothing references for this long after its last upload or check (default 1h)", HelpName = "AGE" };
        var keepFor = new Option<string?>("--keep-for") { Description = "Remove a cache entry not pulled for this long (e.g. 7d), except the newest of its scope; checked every --gc-interval (default 10m)", HelpName = "AGE" };
        var maxSize = new Option<string?>("--max-size") { Description = "While the store holds more than this (e.g. 50GB), remove the least recently pulled entries, except the newest of each scope", HelpName = "SIZE" };
        var uploadTimeout = new Option<string?>("--upload-timeout") { Description = "Purge an upload idle for this long (default 15m)", HelpName = "AGE" };
        var command = new Command("serve", "Serve a cache store as an OCI registry (a team cache server for every CI agent)")
        {
            store, listen, tlsCert, tlsKey, tokens, gcInterval, gcGrace, keepFor, maxSize, uploadTimeout,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var location = StoreLocation.Parse(parse.GetValue(store)!, "--store", cli.Environment);
            if (location.Kind != StoreKind.Directory)
            {
                throw new InvalidInputException($"--store {location}: serve needs a directory store (dir:PATH)");
            }

            if ((parse.GetValue(tlsCert) is null) != (parse.GetValue(tlsKey) is null))
            {
                throw new InvalidInputException("--tls-cert and --tls-key go together");
            }

            var options = new ServerOptions
            {
                StorePath = location.Directory,
                Listen = parse.GetValue(listen)!,
                TlsCertificateFile = parse.GetValue(tlsCert),
                TlsKeyFile = parse.GetValue(tlsKey),
                TokensFile = parse.GetValue(tokens),
                GcInterval = Duration(parse.GetValue(gcInterval), "--gc-interval"),
                GcGrace = Duration(parse.GetValue(gcGrace), "--gc-grace") ?? TimeSpan.FromHours(1),
                UploadTimeout = Duration(parse.GetValue(uploadTimeout), "--upload-timeout") ?? TimeSpan.FromMinutes(15),
                KeepFor = Duration(parse.GetValue(keepFor), "--keep-for"),
                MaxSize = parse.GetValue(maxSize) is { } size
                    ? RetentionPolicy.TryParseSize(size, out var bytes) ? bytes : throw new InvalidInputException($"invalid --max-size \"{size}\": expected a size such as 500MB or 50GB")
                    : null,
                Log = cli.Stderr,
            };
            try
            {
                await RegistryServer.RunAsync(options, cancellationToken);
            }
            catch (Exception e) when (e is FormatException or CryptographicException or FileNotFoundException or DirectoryNotFoundException)
            {
                throw new InvalidInputException(e.Message.ReplaceLineEndings(" "), e);
            }
            catch (IOException e) when (!cancellationToken.IsCancellationRequested && !StoreErrors.IsCorrupt(e))
            {
                // Kestrel's "address already in use" and the like: the user's setup, in one line.
                throw new InvalidInputException($"cannot serve on {options.Listen}: {e.Message.ReplaceLineEndings(" ")}", e);
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static TimeSpan? Duration(string? value, string option) =>
        value is null ? null
        : RetentionPolicy.TryParseDuration(value, out var duration) ? duration
        : throw new InvalidInputException($"invalid {option} \"{value}\": expected a duration such as 30s, 10m or 1h");
}
