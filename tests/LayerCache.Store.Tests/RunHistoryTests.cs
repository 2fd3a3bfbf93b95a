using System.Text;

namespace LayerCache.Store.Tests;

/// <summary>
/// The run history a directory store keeps for <c>layercache stats</c>: bounded in records and bytes,
/// read as untrusted input (links refused, invalid lines skipped, only the tail of a huge file read),
/// and safe for concurrent writers.
/// </summary>
public sealed class RunHistoryTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 22, 7, 30, 0, TimeSpan.Zero);
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private static RunRecord Record(int i, string scope = "p/main") => new()
    {
        Time = T0.AddMinutes(i),
        Command = "build",
        Scope = scope,
        Image = "Dockerfile",
        Builder = "classic",
        Hit = i % 2 == 0,
        MissReason = i % 2 == 0 ? null : "no entry",
        StepsCached = i,
        StepsExecuted = 1,
        SecondsSaved = i * 1.5,
        Seconds = 2,
        BytesLoaded = 100 * i,
        BytesWritten = 10 * i,
        Saved = i % 2 == 1,
    };

    [Fact]
    public async Task Appended_records_read_back_in_order_and_a_missing_file_is_an_empty_history()
    {
        var history = new FileRunHistory(_temp.Path);
        Assert.Empty((await history.ReadAsync(CancellationToken.None)).Records);

        for (var i = 0; i < 3; i++)
        {
            await history.AppendAsync(Record(i), CancellationToken.None);
        }

        var content = await history.ReadAsync(CancellationToken.None);
        Assert.Equal([0, 1, 2], content.Records.Select(r => r.StepsCached));
        Assert.Equal(Record(1), content.Records[1]);
        Assert.Equal(0, content.InvalidLines);
        Assert.False(Directory.EnumerateFiles(_temp.Combine(".tmp")).Any(), "the atomic write leaves no temp file");
    }

    [Fact]
    public async Task The_history_keeps_the_newest_records_within_its_record_and_byte_bounds()
    {
        var history = new FileRunHistory(_temp.Path);
        for (var i = 0; i < FileRunHistory.MaxRecords + 20; i++)
        {
            await history.AppendAsync(Record(i), CancellationToken.None);
        }

        var records = (await history.ReadAsync(CancellationToken.None)).Records;
        Assert.Equal(FileRunHistory.MaxRecords, records.Count);
        Assert.Equal(20, records[0].StepsCached);
        Assert.Equal(FileRunHistory.MaxRecords + 19, records[^1].StepsCached);

        // Long texts are cut on write, so the byte bound holds with records near the line limit.
        var big = new FileRunHistory(_temp.Combine("big"));
        Directory.CreateDirectory(_temp.Combine("big"));
        for (var i = 0; i < FileRunHistory.MaxRecords; i++)
        {
            await big.AppendAsync(Record(i) with { MissReason = new string('x', 5000), Image = new string('i', 5000) }, CancellationToken.None);
        }

        Assert.True(new FileInfo(big.FilePath).Length <= FileRunHistory.MaxBytes);
        var kept = (await big.ReadAsync(CancellationToken.None)).Records;
        Assert.NotEmpty(kept);
        Assert.All(kept, r => Assert.True(r.MissReason!.Length <= FileRunHistory.MaxTextLength));
        Assert.Equal(FileRunHistory.MaxRecords - 1, kept[^1].StepsCached);
    }

    [Fact]
    public async Task Invalid_lines_are_skipped_and_counted_and_dropped_by_the_next_write()
    {
        var history = new FileRunHistory(_temp.Path);
        await history.AppendAsync(Record(1), CancellationToken.None);
        var valid = await File.ReadAllTextAsync(history.FilePath);
        var lines = new[]
        {
            "not json",
            "{\"v\":2,\"command\":\"build\",\"scope\":\"p/main\",\"image\":\"Dockerfile\"}",
            "{\"v\":1,\"command\":\"rm -rf\",\"scope\":\"p/main\",\"image\":\"Dockerfile\"}",
            "{\"v\":1,\"command\":\"build\",\"scope\":\"p/main\",\"image\":\"Dockerfile\",\"seconds\":-1}",
            "{\"v\":1,\"command\":\"build\",\"scope\":\"p/main\",\"image\":\"Dockerfile\",\"bytesLoaded\":\"many\"}",
            "{\"v\":1,\"command\":\"build\",\"scope\":\"\",\"image\":\"Dockerfile\"}",
            "{\"v\":1,\"command\":\"build\",\"scope\":\"p/\\u001b[31mmain\",\"image\":\"Dockerfile\"}",
            "{\"v\":1,\"command\":\"build\",\"scope\":\"p/main\",\"image\":\"" + new string('a', 3000) + "\"}",
            "[]",
        };
        await File.WriteAllTextAsync(history.FilePath, valid + string.Join('\n', lines) + "\n");

        var content = await history.ReadAsync(CancellationToken.None);
        Assert.Single(content.Records);
        Assert.Equal(lines.Length, content.InvalidLines);

        await history.AppendAsync(Record(2), CancellationToken.None);
        content = await history.ReadAsync(CancellationToken.None);
        Assert.Equal(2, content.Records.Count);
        Assert.Equal(0, content.InvalidLines);
    }

    [Fact]
    public async Task Only_the_tail_of_a_huge_history_is_read()
    {
        var history = new FileRunHistory(_temp.Path);
        var line = FileRunHistory.Serialize(Record(7)) + "\n";
        await using (var file = File.Create(history.FilePath))
        {
            // 8 MB of garbage, then valid records: only the last MaxBytes are read, whole lines only.
            var junk = Encoding.UTF8.GetBytes(new string('z', 1 << 20));
            for (var i = 0; i < 8; i++)
            {
                await file.WriteAsync(junk);
            }

            await file.WriteAsync(Encoding.UTF8.GetBytes("\n" + line + line));
        }

        var content = await history.ReadAsync(CancellationToken.None);
        Assert.Equal(2, content.Records.Count);
        Assert.True(content.InvalidLines <= 1);
    }

    [Fact]
    public async Task A_history_that_is_a_link_is_refused_and_never_followed()
    {
        var outside = _temp.Combine("outside.jsonl");
        await File.WriteAllTextAsync(outside, FileRunHistory.Serialize(Record(1)) + "\n");
        var store = _temp.Combine("store");
        Directory.CreateDirectory(store);
        File.CreateSymbolicLink(Path.Combine(store, FileRunHistory.FileName), outside);
        var history = new FileRunHistory(store);

        await Assert.ThrowsAsync<StoreCorruptException>(() => history.ReadAsync(CancellationToken.None));
        await Assert.ThrowsAsync<StoreCorruptException>(() => history.AppendAsync(Record(2), CancellationToken.None));
        Assert.Single(await File.ReadAllLinesAsync(outside));
    }

    [Fact]
    public async Task Concurrent_writers_lose_no_record()
    {
        var writers = Enumerable.Range(0, 16).Select(i => Task.Run(() => new FileRunHistory(_temp.Path).AppendAsync(Record(i), CancellationToken.None)));
        await Task.WhenAll(writers);

        var records = (await new FileRunHistory(_temp.Path).ReadAsync(CancellationToken.None)).Records;
        Assert.Equal(Enumerable.Range(0, 16), records.Select(r => r.StepsCached).Order());
    }
}
