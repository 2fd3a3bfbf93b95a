using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using LayerCache.Core;
using LayerCache.Core.Reports;

namespace LayerCache.Cli.Commands;

/// <summary><c>layercache ls | prune | verify</c>: inspect, apply retention, check integrity of a store.</summary>
internal static class StoreCommands
{
    public static Command List(CliContext cli)
    {
        var cache = CommonOptions.Cache();
        var insecure = CommonOptions.InsecureRegistry();
        var registryCa = CommonOptions.RegistryCa();
        var format = CommonOptions.Format();
        var command = new Command("ls", "List the entries of a cache store: scope, image, stages, size, created, last used") { cache, insecure, registryCa, format };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var listing = await StoreService.ListAsync(CommonOptions.Store(parse, cache, insecure, registryCa, cli.Environment), cli.Environment, cancellationToken);
            if (parse.GetValue(format) == OutputFormat.Json)
            {
                await cli.Stdout.WriteLineAsync(JsonSerializer.Serialize(listing, CliJsonContext.Default.StoreListing));
                return ExitCodes.Success;
            }

            var rows = new List<string[]> { new[] { "ENTRY", "SCOPE", "IMAGE", "STAGES", "SIZE", "CREATED", "LAST USED" } };
            foreach (var e in listing.Entries)
            {
                rows.Add([e.Entry, e.Scope, e.Image, string.Join(",", e.Stages), Durations.Bytes(e.Bytes), Time(e.Created), Time(e.LastUsed)]);
            }

            var text = new StringBuilder(TextTable.Render(rows));
            text.Append(CultureInfo.InvariantCulture, $"{listing.Entries.Count} entr{(listing.Entries.Count == 1 ? "y" : "ies")}, {Durations.Bytes(listing.TotalBytes)} in {listing.Store}\n");
            await cli.Stdout.WriteAsync(text.ToString());
            return ExitCodes.Success;
        });
        return command;
    }

    public static Command Prune(CliContext cli)
    {
        var cache = CommonOptions.Cache();
        var keep = CommonOptions.Keep();
        var maxSize = CommonOptions.MaxSize();
        var insecure = CommonOptions.InsecureRegistry();
        var registryCa = CommonOptions.RegistryCa();
        var format = CommonOptions.Format();
        var command = new Command("prune", "Apply retention (--keep current|AGE, --max-size SIZE) and delete blobs no entry uses") { cache, keep, maxSize, insecure, registryCa, format };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var policy = CommonOptions.ParseRetention(parse.GetValue(keep), parse.GetValue(maxSize));
            var store = CommonOptions.Store(parse, cache, insecure, registryCa, cli.Environment);
            var report = await StoreService.PruneAsync(store, policy, TimeProvider.System, cli.Environment, cancellationToken);
            foreach (var warning in report.Warnings)
            {
                await cli.Stderr.WriteLineAsync($"warning: {warning}");
            }

            if (parse.GetValue(format) == OutputFormat.Json)
            {
                await cli.Stdout.WriteLineAsync(JsonSerializer.Serialize(PruneSummary.From(store.ToString(), report), CliJsonContext.Default.PruneSummary));
                return ExitCodes.Success;
            }

            await cli.Stdout.WriteLineAsync(string.Create(
                CultureInfo.InvariantCulture,
                $"pruned {report.EntriesRemoved.Count + report.BrokenEntriesRemoved.Count} entr{(report.EntriesRemoved.Count + report.BrokenEntriesRemoved.Count == 1 ? "y" : "ies")} and {report.BlobsRemoved} blob(s), freed {Durations.Bytes(report.BytesFreed)}; kept {report.EntriesKept} entr{(report.EntriesKept == 1 ? "y" : "ies")}, {Durations.Bytes(report.BytesKept)}"));
            return ExitCodes.Success;
        });
        return command;
    }

    public static Command Verify(CliContext cli)
    {
        var cache = CommonOptions.Cache();
        var format = CommonOptions.Format();
        var command = new Command("verify", "Re-hash every blob of a cache store and check every entry; exit 1 naming each bad blob") { cache, format };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var store = CommonOptions.Store(parse, cache, cli.Environment);
            var report = await StoreService.VerifyAsync(store, cancellationToken);
            if (parse.GetValue(format) == OutputFormat.Json)
            {
                await cli.Stdout.WriteLineAsync(JsonSerializer.Serialize(VerifySummary.From(store.ToString(), report), CliJsonContext.Default.VerifySummary));
                return report.IsClean ? ExitCodes.Success : ExitCodes.Failure;
            }

            foreach (var problem in report.Problems)
            {
                var users = problem.ReferencedBy.Count > 0 ? $" (used by {string.Join(", ", problem.ReferencedBy)})" : string.Empty;
                await cli.Stdout.WriteLineAsync($"{problem.Kind.ToString().ToLowerInvariant()} blob {problem.Digest}: {problem.Detail}{users}");
            }

            foreach (var entry in report.BrokenEntries)
            {
                await cli.Stdout.WriteLineAsync($"broken entry {entry}");
            }

            await cli.Stdout.WriteLineAsync(string.Create(
                CultureInfo.InvariantCulture,
                $"{(report.IsClean ? "ok" : "FAILED")}: {report.BlobsChecked} blob(s), {Durations.Bytes(report.BytesChecked)}, {report.EntriesChecked} entr{(report.EntriesChecked == 1 ? "y" : "ies")} checked; {report.Problems.Count} problem(s)"));
            return report.IsClean ? ExitCodes.Success : ExitCodes.Failure;
        });
        return command;
    }

    private static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
