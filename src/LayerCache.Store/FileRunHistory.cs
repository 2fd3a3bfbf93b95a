using System.Text;
using System.Text.Json;
using LayerCache.Oci;

namespace LayerCache.Store;

/// <summary>
/// The run history of a directory store: <see cref="FileName"/> in the store's root, one JSON record
/// per line, oldest first, at most <see cref="MaxRecords"/> records and <see cref="MaxBytes"/> bytes.
/// A writer takes <see cref="LockFileName"/> exclusively, reads, appends, trims the oldest records and
/// replaces the file atomically (<see cref="AtomicFile"/>), so concurrent runs never lose each other's
/// records and a killed writer leaves the old file. The file is untrusted input, like the rest of the
/// store: it is opened without following links, only its last <see cref="MaxBytes"/> bytes are read,
/// lines longer than <see cref="MaxLineBytes"/> or not valid records are skipped, and its dates are
/// used for display and sorting only.
/// </summary>
public sealed class FileRunHistory : IRunHistory
{
    /// <summary>The history file in the store's root.</summary>
    public const string FileName = "history.jsonl";

    /// <summary>The lock file writers take.</summary>
    public const string LockFileName = ".layercache.history.lock";

    /// <summary>The record format this class writes and reads.</summary>
    public const int FormatVersion = 1;

    /// <summary>At most this many records are kept (the newest).</summary>
    public const int MaxRecords = 500;

    /// <summary>At most this many bytes are kept and read.</summary>
    public const int MaxBytes = 256 * 1024;

    /// <summary>A longer line is not a record.</summary>
    public const int MaxLineBytes = 2048;

    /// <summary>Longest scope, image or reason kept (longer ones are cut on write and refused on read).</summary>
    internal const int MaxTextLength = 300;

    private static readonly HashSet<string> Commands = ["build", "restore", "save"];

    private readonly string _directory;
    private readonly TimeSpan _lockTimeout;

    /// <summary>The history of the directory store at <paramref name="directory"/>.</summary>
    /// <param name="directory">The store's root.</param>
    /// <param name="lockTimeout">How long a writer waits for another (default 10 s).</param>
    public FileRunHistory(string directory, TimeSpan? lockTimeout = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        _directory = Path.GetFullPath(directory);
        _lockTimeout = lockTimeout ?? TimeSpan.FromSeconds(10);
    }

    /// <summary>The history file's path.</summary>
    public string FilePath => Path.Combine(_directory, FileName);

    /// <inheritdoc/>
    public async Task AppendAsync(RunRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        var line = Serialize(Bounded(record));
        await using var held = await FileLock.AcquireAsync(Path.Combine(_directory, LockFileName), exclusive: true, _lockTimeout, cancellationToken);
        var lines = (await ReadLinesAsync(cancellationToken)).Where(l => Parse(l) is not null).ToList();
        lines.Add(line);
        var bytes = lines.Sum(l => Encoding.UTF8.GetByteCount(l) + 1);
        var drop = 0;
        while (lines.Count - drop > MaxRecords || bytes > MaxBytes)
        {
            bytes -= Encoding.UTF8.GetByteCount(lines[drop]) + 1;
            drop++;
        }

        var text = new StringBuilder();
        foreach (var kept in lines.Skip(drop))
        {
            text.Append(kept).Append('\n');
        }

        try
        {
            await AtomicFile.WriteAsync(FilePath, Encoding.UTF8.GetBytes(text.ToString()), Path.Combine(_directory, OciLayout.TempDirectoryName), cancellationToken);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or UnsafeFileException)
        {
            throw new StoreException(FilePath, $"{FilePath}: cannot write the run history: {e.Message}", e);
        }
    }

    /// <inheritdoc/>
    public async Task<RunHistoryContent> ReadAsync(CancellationToken cancellationToken)
    {
        var records = new List<RunRecord>();
        var invalid = 0;
        foreach (var line in await ReadLinesAsync(cancellationToken))
        {
            if (Parse(line) is { } record)
            {
                records.Add(record);
            }
            else
            {
                invalid++;
            }
        }

        return new RunHistoryContent(records, invalid);
    }

    /// <summary>One line's record, or null when the line is not a valid record of this format.</summary>
    internal static RunRecord? Parse(string line)
    {
        if (line.Length == 0 || Encoding.UTF8.GetByteCount(line) > MaxLineBytes)
        {
            return null;
        }

        RunRecord? record;
        try
        {
            record = JsonSerializer.Deserialize(line, RunHistoryJsonContext.Default.RunRecord);
        }
        catch (JsonException)
        {
            return null;
        }

        return record is not null && IsValid(record) ? record : null;
    }

    /// <summary>One record as a line.</summary>
    internal static string Serialize(RunRecord record) => JsonSerializer.Serialize(record, RunHistoryJsonContext.Default.RunRecord);

    private static bool IsValid(RunRecord r) =>
        r.V == FormatVersion
        && r.Command is not null && Commands.Contains(r.Command)
        && IsText(r.Scope, required: true) && IsText(r.Image, required: true) && IsText(r.Builder, required: false) && IsText(r.MissReason, required: false)
        && r.StepsCached >= 0 && r.StepsExecuted >= 0 && r.BytesLoaded >= 0 && r.BytesWritten >= 0
        && IsSeconds(r.Seconds) && (r.SecondsSaved is null || IsSeconds(r.SecondsSaved.Value));

    private static bool IsText(string? value, bool required) =>
        value is null ? !required : value.Length <= MaxTextLength && (!required || value.Length > 0) && !value.Any(char.IsControl);

    // A year of seconds is more than any run: a larger number is not a measurement.
    private static bool IsSeconds(double value) => double.IsFinite(value) && value >= 0 && value < 366 * 86400.0;

    private static RunRecord Bounded(RunRecord record) => record with
    {
        V = FormatVersion,
        Scope = Cut(record.Scope)!,
        Image = Cut(record.Image)!,
        Builder = Cut(record.Builder),
        MissReason = Cut(record.MissReason),
    };

    private static string? Cut(string? value)
    {
        if (value is null)
        {
            return null;
        }

        var line = new string([.. value.Select(c => char.IsControl(c) ? ' ' : c)]);
        return line.Length <= MaxTextLength ? line : line[..(MaxTextLength - 1)] + "…";
    }

    /// <summary>The lines of the file's last <see cref="MaxBytes"/> bytes (a partial first line is dropped); none when it is missing.</summary>
    private async Task<List<string>> ReadLinesAsync(CancellationToken cancellationToken)
    {
        FileStream file;
        try
        {
            file = UntrustedFile.OpenRead(FilePath);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return [];
        }
        catch (UnsafeFileException e)
        {
            throw new StoreCorruptException(FilePath, $"the run history is not a regular file: {e.Message}", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StoreException(FilePath, $"{FilePath}: cannot read the run history: {e.Message}", e);
        }

        await using (file)
        {
            var length = file.Length;
            var start = Math.Max(0, length - MaxBytes);
            file.Seek(start, SeekOrigin.Begin);
            var buffer = new byte[length - start];
            var read = 0;
            while (read < buffer.Length)
            {
                var n = await file.ReadAsync(buffer.AsMemory(read), cancellationToken);
                if (n == 0)
                {
                    break;
                }

                read += n;
            }

            var text = Encoding.UTF8.GetString(buffer, 0, read);
            var lines = text.Split('\n').ToList();
            if (start > 0 && lines.Count > 0)
            {
                // The read began inside a line: that line is not whole.
                lines.RemoveAt(0);
            }

            return lines.Select(l => l.TrimEnd('\r')).Where(l => l.Length > 0).ToList();
        }
    }
}
