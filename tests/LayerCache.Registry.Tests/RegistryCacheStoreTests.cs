using System.Net;
using System.Text;
using LayerCache.Oci;
using LayerCache.Registry.Client;
using LayerCache.Registry.Store;
using LayerCache.Store;
using LayerCache.Testing;

namespace LayerCache.Registry.Tests;

/// <summary>The registry store against a real Distribution registry, with skopeo as a second client and faults injected.</summary>
public sealed class RegistryCacheStoreTests(PrivateRegistry registry) : IClassFixture<PrivateRegistry>
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 22, 7, 30, 0, TimeSpan.Zero);

    private static CancellationToken Token => TestContext.Token;

    [Fact]
    public async Task Skopeo_reads_the_stage_images_and_entries_the_store_wrote()
    {
        var repository = RegistryStoreFixture.NewRepository("skopeo");
        using var store = await RegistryStoreFixture.OpenAsync(registry.Address, repository, Token);
        var layer = StoreImages.Layer("read by skopeo");
        var stage = await StoreImages.AddImageAsync(store.Blobs, "app", [layer], gzip: true, Token);
        var entry = await store.PutEntryAsync(StoreImages.Entry("team/main", T0, stage), Token);
        var gzipDigest = Digest.Compute(StoreImages.Gzip(layer));

        var image = await Skopeo.InspectAsync($"docker://{registry.Address}/{repository}@{stage.ManifestDigest}", ["--tls-verify=false"], raw: false, Token);
        Assert.Equal(stage.ManifestDigest.Value, image.GetProperty("Digest").GetString());
        Assert.Equal(gzipDigest.Value, image.GetProperty("Layers")[0].GetString());
        Assert.Equal("amd64", image.GetProperty("Architecture").GetString());

        Assert.Equal("team_main.20261122T073000Z", entry.RefName);
        var index = await Skopeo.InspectAsync($"docker://{registry.Address}/{repository}:{entry.RefName}", ["--tls-verify=false"], raw: true, Token);
        Assert.Equal(MediaType.OciImageIndex, index.GetProperty("mediaType").GetString());
        Assert.Equal(stage.ManifestDigest.Value, index.GetProperty("manifests")[0].GetProperty("digest").GetString());
        Assert.Equal("team/main", index.GetProperty("annotations").GetProperty(StoreAnnotations.Scope).GetString());

        // skopeo copy fetches and verifies every blob of the stage image, gzip layer included.
        var target = Path.Combine(registry.Root, "copy-" + Guid.NewGuid().ToString("N")[..8]);
        await Skopeo.RunAsync(["copy", "--src-tls-verify=false", $"docker://{registry.Address}/{repository}@{stage.ManifestDigest}", $"oci:{target}:app"], Token);
        Assert.True(File.Exists(Path.Combine(target, "blobs", "sha256", gzipDigest.Hex)));
    }

    [Fact]
    public async Task A_write_session_asks_the_registry_of_a_present_blob_once_and_outside_one_every_time()
    {
        var repository = RegistryStoreFixture.NewRepository("remember");
        using var store = await RegistryStoreFixture.OpenAsync(registry.Address, repository, Token);
        var content = Encoding.UTF8.GetBytes("a layer asked of in every phase of a save");
        var blob = await store.Blobs.WriteAsync(new MemoryStream(content), Digest.Compute(content), content.Length, Token);
        var pushed = Encoding.UTF8.GetBytes("pushed during the session");

        await using (await store.BeginWriteAsync(Token))
        {
            Assert.NotNull(await store.Blobs.StatAsync(blob.Digest, Token));
            var written = await store.Blobs.WriteAsync(new MemoryStream(pushed), Digest.Compute(pushed), pushed.Length, Token);

            // Deleted behind the store's back (another client): the session still counts both present.
            await RegistryStoreFixture.RemoveAsync(registry, repository, blob.Digest, Token);
            await RegistryStoreFixture.RemoveAsync(registry, repository, written.Digest, Token);
            Assert.Equal(content.Length, (await store.Blobs.StatAsync(blob.Digest, Token))?.Size);
            Assert.Equal(pushed.Length, (await store.Blobs.StatAsync(written.Digest, Token))?.Size);
        }

        // Once the session ends, every question goes to the registry again (verify, prune and ls see what is there).
        Assert.Null(await store.Blobs.StatAsync(blob.Digest, Token));
        Assert.Null(await store.Blobs.StatAsync(Digest.Compute(pushed), Token));
    }

    [Fact]
    public async Task Tags_that_are_not_readable_entries_are_skipped_with_a_reason_and_left_alone()
    {
        var repository = RegistryStoreFixture.NewRepository("garbage");
        var skipped = new List<string>();
        using var store = await RegistryStoreFixture.OpenAsync(registry.Address, repository, Token, note => { lock (skipped) { skipped.Add(note); } });
        var real = await store.PutEntryAsync(StoreImages.Entry("p/main", T0, await StoreImages.AddImageAsync(store.Blobs, "app", "real")), Token);

        // Entry-shaped tags pointing at an image, at a foreign index, and at an index claiming our format with nonsense.
        var image = await StoreImages.AddImageAsync(store.Blobs, "other", "other");
        var imageDescriptor = new Descriptor { MediaType = MediaType.OciImageManifest, Digest = image.ManifestDigest, Size = (await store.Blobs.TryGetSizeAsync(image.ManifestDigest, Token))!.Value };
        using var client = new RegistryClient(new RegistryClientOptions { Registry = registry.Address });
        await client.PutManifestAsync(repository, image.ManifestDigest.Value, MediaType.OciImageManifest, await ReadAsync(store, image.ManifestDigest), Token);
        await client.PutManifestAsync(repository, "p_main.20261122T080000Z", MediaType.OciImageManifest, await ReadAsync(store, image.ManifestDigest), Token);
        var foreign = OciJson.SerializeWithDigest(new ImageIndex { MediaType = MediaType.OciImageIndex, Manifests = [imageDescriptor] });
        await client.PutManifestAsync(repository, "p_main.20261122T090000Z", MediaType.OciImageIndex, foreign.Content, Token);
        var liar = OciJson.SerializeWithDigest(new ImageIndex
        {
            MediaType = MediaType.OciImageIndex,
            Manifests = [imageDescriptor],
            Annotations = new Dictionary<string, string> { [StoreAnnotations.Format] = StoreAnnotations.CurrentFormat, [StoreAnnotations.Created] = "yesterday" },
        });
        await client.PutManifestAsync(repository, "p_main.20261122T100000Z", MediaType.OciImageIndex, liar.Content, Token);

        Assert.Equal([real.Id], (await store.ListEntriesAsync(Token)).Select(e => e.Id));
        Assert.Equal([real.Id], (await store.FindEntriesAsync(CacheScope.Parse("p/main"), Token)).Select(e => e.Id));
        Assert.Equal(6, skipped.Count);
        Assert.Contains(skipped, s => s.Contains("p_main.20261122T080000Z", StringComparison.Ordinal) && s.Contains("not a cache entry", StringComparison.Ordinal));

        // Retention drops what claims to be ours and cannot be read; what is someone else's stays.
        var report = await store.PruneAsync(RetentionPolicy.KeepAll, T0, Token);
        Assert.Equal(["p_main.20261122T100000Z"], report.BrokenEntriesRemoved);
        Assert.NotNull(await client.HeadManifestAsync(repository, "p_main.20261122T080000Z", Token));
        Assert.NotNull(await client.HeadManifestAsync(repository, "p_main.20261122T090000Z", Token));
        Assert.Null(await client.HeadManifestAsync(repository, "p_main.20261122T100000Z", Token));
    }

    [Fact]
    public async Task Retention_deletes_entry_manifests_and_tags_but_never_a_blob()
    {
        var repository = RegistryStoreFixture.NewRepository("retention");
        using var store = await RegistryStoreFixture.OpenAsync(registry.Address, repository, Token);
        var old = await store.PutEntryAsync(StoreImages.Entry("p/main", T0, await StoreImages.AddImageAsync(store.Blobs, "app", "base", "old")), Token);
        var current = await store.PutEntryAsync(StoreImages.Entry("p/main", T0.AddHours(1), await StoreImages.AddImageAsync(store.Blobs, "app", "base", "new")), Token);

        var report = await store.PruneAsync(new RetentionPolicy { KeepCurrent = true, ProtectedScope = current.Scope }, T0.AddHours(2), Token);

        Assert.Equal([old.Id], report.EntriesRemoved.Select(e => e.Id));
        Assert.Empty(report.Warnings);
        Assert.Equal(1, report.BlobsRemoved);
        Assert.True(report.BytesFreed > 0);
        Assert.Equal([current.Id], (await store.ListEntriesAsync(Token)).Select(e => e.Id));
        Assert.Null(await store.References.ResolveAsync(old.RefName!, Token));
        Assert.True(await store.Blobs.ExistsAsync(Digest.Compute(StoreImages.Layer("old")), Token));
        Assert.True(await store.Blobs.ExistsAsync(old.Stages[0].ManifestDigest, Token));
    }

    [Fact]
    public async Task A_signature_is_an_artifact_beside_its_entry_that_skopeo_reads_and_retention_removes_with_it()
    {
        var repository = RegistryStoreFixture.NewRepository("signed");
        var skipped = new List<string>();
        using var store = await RegistryStoreFixture.OpenAsync(registry.Address, repository, Token, note => { lock (skipped) { skipped.Add(note); } });
        var signer = EntrySigner.FromSecret("protected-ci-secret");
        var old = await store.PutEntryAsync(StoreImages.Entry("p/main", T0, await StoreImages.AddImageAsync(store.Blobs, "app", "base", "old")), Token);
        var current = await store.PutEntryAsync(StoreImages.Entry("p/main", T0.AddHours(1), await StoreImages.AddImageAsync(store.Blobs, "app", "base", "new")), Token);
        Assert.True(await store.SignEntryAsync(old.Id, signer.Sign(old), Token));
        Assert.True(await store.SignEntryAsync(current.Id, signer.Sign(current), Token));

        // An artifact manifest with the subject set, which a second client reads as one.
        var tag = $"sha256-{current.Id.Hex}.sig";
        var raw = await Skopeo.InspectAsync($"docker://{registry.Address}/{repository}:{tag}", ["--tls-verify=false"], raw: true, Token);
        Assert.Equal(StoreAnnotations.SignatureArtifactType, raw.GetProperty("artifactType").GetString());
        Assert.Equal(current.Id.Value, raw.GetProperty("subject").GetProperty("digest").GetString());
        Assert.All(await store.ListEntriesAsync(Token), e => Assert.True(signer.IsSignedBy(e), e.RefName));

        // A signature manifest about another entry, put under this entry's signature tag, signs nothing.
        using var client = new RegistryClient(new RegistryClientOptions { Registry = registry.Address });
        var moved = await client.GetManifestAsync(repository, $"sha256-{old.Id.Hex}.sig", Token);
        await client.PutManifestAsync(repository, tag, MediaType.OciImageManifest, moved!.Content, Token);
        var listed = await store.ListEntriesAsync(Token);
        Assert.False(signer.IsSignedBy(listed.Single(e => e.Id == current.Id)));
        Assert.True(signer.IsSignedBy(listed.Single(e => e.Id == old.Id)));

        // Retention removes the old entry and its signature; the current one keeps its tags.
        Assert.True(await store.SignEntryAsync(current.Id, signer.Sign(current), Token));
        var report = await store.PruneAsync(new RetentionPolicy { KeepCurrent = true, ProtectedScope = current.Scope }, T0.AddHours(2), Token);
        Assert.Equal([old.Id], report.EntriesRemoved.Select(e => e.Id));
        var tags = new List<string>();
        await foreach (var t in store.References.ListTagsAsync(Token))
        {
            tags.Add(t);
        }

        Assert.DoesNotContain($"sha256-{old.Id.Hex}.sig", tags);
        Assert.Contains(tag, tags);
        Assert.True(signer.IsSignedBy(Assert.Single(await store.ListEntriesAsync(Token))));
        Assert.False(await store.SignEntryAsync(old.Id, signer.Sign(old), Token));
    }

    [Fact]
    public async Task A_use_is_recorded_when_it_moves_the_record_by_more_than_the_granularity_and_costs_no_request_otherwise()
    {
        await using var proxy = FaultProxy.Start(registry.BaseUri);
        var repository = RegistryStoreFixture.NewRepository("used");
        using var store = await RegistryStoreFixture.OpenAsync(proxy.Address, repository, Token);
        var entry = await store.PutEntryAsync(StoreImages.Entry("p/main", T0, await StoreImages.AddImageAsync(store.Blobs, "app", "x")), Token);
        var tag = $"sha256-{entry.Id.Hex}.used";

        Assert.True(await store.MarkUsedAsync(entry.Id, T0.AddDays(1), Token));
        Assert.Contains(proxy.Requests, r => r.Method == "PUT" && r.PathAndQuery.EndsWith("/manifests/" + tag, StringComparison.Ordinal));

        proxy.Requests.Clear();
        Assert.True(await store.MarkUsedAsync(entry.Id, T0.AddDays(1).AddMinutes(30), Token));
        Assert.Empty(proxy.Requests);

        Assert.True(await store.MarkUsedAsync(entry.Id, T0.AddDays(1).AddHours(2), Token));
        Assert.Contains(proxy.Requests, r => r.Method == "PUT" && r.PathAndQuery.EndsWith("/manifests/" + tag, StringComparison.Ordinal));

        // Another process (the next CI run) reads it with the entry, and a use within the hour writes nothing.
        using var next = await RegistryStoreFixture.OpenAsync(proxy.Address, repository, Token);
        Assert.Equal(T0.AddDays(1).AddHours(2), Assert.Single(await next.ListEntriesAsync(Token)).LastUsed);
        proxy.Requests.Clear();
        Assert.True(await next.MarkUsedAsync(entry.Id, T0.AddDays(1).AddHours(2).AddMinutes(59), Token));
        Assert.Empty(proxy.Requests);

        // A restore's lookup and a save's prune by scope alone read no last use (a request per entry for nothing);
        // a prune that ages by it does.
        proxy.Requests.Clear();
        Assert.Single(await next.FindEntriesAsync(entry.Scope, Token));
        await next.PruneAsync(new RetentionPolicy { KeepCurrent = true }, T0.AddDays(2), Token);
        Assert.DoesNotContain(proxy.Requests, r => r.PathAndQuery.EndsWith(tag, StringComparison.Ordinal));
        await next.PruneAsync(RetentionPolicy.KeepAll.WithKeep("7d"), T0.AddDays(2), Token);
        Assert.Contains(proxy.Requests, r => r.Method == "GET" && r.PathAndQuery.EndsWith("/manifests/" + tag, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(-1)]
    public async Task Verify_names_a_layer_an_entry_misstates_the_size_of_even_when_another_entry_states_it_right(long delta)
    {
        var repository = RegistryStoreFixture.NewRepository("sizes");
        using var store = await RegistryStoreFixture.OpenAsync(registry.Address, repository, Token);
        var stage = await StoreImages.AddImageAsync(store.Blobs, "app", [StoreImages.Layer("shared")], gzip: true, Token);
        var good = await store.PutEntryAsync(StoreImages.Entry("p/main", T0, stage), Token);

        // The same image with its layer's size misstated, under an entry of its own, as another writer could push it.
        using var client = new RegistryClient(new RegistryClientOptions { Registry = registry.Address });
        var manifest = (await client.GetManifestAsync(repository, stage.ManifestDigest.Value, Token))!.AsManifest();
        var layer = manifest.Layers[0];
        var lying = OciJson.SerializeWithDigest(manifest with { Layers = [layer with { Size = layer.Size + delta }] });
        await client.PutManifestAsync(repository, lying.Digest.Value, MediaType.OciImageManifest, lying.Content, Token);
        var index = (await client.GetManifestAsync(repository, good.RefName!, Token))!.AsIndex();
        var bad = OciJson.SerializeWithDigest(index with { Manifests = [index.Manifests[0] with { Digest = lying.Digest, Size = lying.Size }] });
        const string badTag = "p_main.20261122T090000Z";
        await client.PutManifestAsync(repository, badTag, MediaType.OciImageIndex, bad.Content, Token);

        var report = await store.VerifyAsync(Token);

        var problem = Assert.Single(report.Problems);
        Assert.Equal((layer.Digest, BlobProblemKind.Invalid), (problem.Digest, problem.Kind));
        Assert.Contains(badTag, problem.Detail, StringComparison.Ordinal);
        Assert.Contains(badTag, report.BrokenEntries);
    }

    [Fact]
    public async Task A_registry_that_refuses_deletes_keeps_everything_and_says_so()
    {
        await using var noDeletes = await PrivateRegistry.StartAsync(new PrivateRegistry { DeleteEnabled = false }, Token);
        var repository = RegistryStoreFixture.NewRepository("nodelete");
        using var store = await RegistryStoreFixture.OpenAsync(noDeletes.Address, repository, Token);
        await store.PutEntryAsync(StoreImages.Entry("p/main", T0, await StoreImages.AddImageAsync(store.Blobs, "app", "a")), Token);
        await store.PutEntryAsync(StoreImages.Entry("p/main", T0.AddHours(1), await StoreImages.AddImageAsync(store.Blobs, "app", "b")), Token);

        var report = await store.PruneAsync(new RetentionPolicy { KeepCurrent = true }, T0.AddHours(2), Token);

        Assert.Contains("does not allow deletes", Assert.Single(report.Warnings), StringComparison.Ordinal);
        Assert.Empty(report.EntriesRemoved);
        Assert.Equal(2, report.EntriesKept);
        Assert.Equal(2, (await store.ListEntriesAsync(Token)).Count);
    }

    [Fact]
    public async Task Saving_again_sends_no_layer_bytes()
    {
        await using var proxy = FaultProxy.Start(registry.BaseUri);
        var repository = RegistryStoreFixture.NewRepository("again");
        using var store = await RegistryStoreFixture.OpenAsync(proxy.Address, repository, Token);
        var tar = StoreImages.Layer(("big.bin", new string('z', 200_000)));
        var first = await LayerIngester.IngestAsync(store.Blobs, store.Policy.LayerCompression, new MemoryStream(tar), null, null, Token);
        proxy.Requests.Clear();

        var second = await store.Blobs.PushIfNewAsync(first.Layer.Stored.Digest, first.Layer.Stored.Size, _ => throw new InvalidOperationException("opened content the registry has"), Token);

        Assert.True(second.Existed);
        Assert.False(first.Layer.IsUncompressed);
        Assert.DoesNotContain(proxy.Requests, r => r.Method is "PATCH" or "PUT" or "POST");
    }

    [Fact]
    public async Task A_layer_compresses_to_one_digest_however_its_reads_are_cut()
    {
        var repository = RegistryStoreFixture.NewRepository("gzip");
        using var store = await RegistryStoreFixture.OpenAsync(registry.Address, repository, Token);
        var random = new Random(7);
        var tar = StoreImages.Layer(("big.bin", string.Concat(Enumerable.Range(0, 60_000).Select(_ => (char)('a' + random.Next(26))))), ("more.txt", new string('m', 400_000)));

        var whole = await LayerIngester.IngestAsync(store.Blobs, LayerCompression.Gzip, new MemoryStream(tar), null, null, Token);
        var cut = await LayerIngester.IngestAsync(store.Blobs, LayerCompression.Gzip, new RaggedStream(tar), null, null, Token);

        // The same tar read in network-sized pieces is the same blob: nothing new for the registry.
        Assert.Equal((whole.Layer.DiffId, whole.Layer.Stored.Digest, whole.Layer.Stored.Size), (cut.Layer.DiffId, cut.Layer.Stored.Digest, cut.Layer.Stored.Size));
        Assert.True(cut.Existed);
    }

    [Fact]
    public async Task A_429_storm_is_a_transient_store_failure_and_a_later_run_works()
    {
        await using var proxy = FaultProxy.Start(registry.BaseUri);
        var repository = RegistryStoreFixture.NewRepository("storm");
        using var store = await RegistryStoreFixture.OpenAsync(proxy.Address, repository, Token);
        var stage = await StoreImages.AddImageAsync(store.Blobs, "app", "storm");
        proxy.FailNext(1000, HttpStatusCode.TooManyRequests);

        var e = await Assert.ThrowsAnyAsync<Exception>(() => store.PutEntryAsync(StoreImages.Entry("p/main", T0, stage), Token));
        Assert.Equal(StoreErrorKind.Transient, StoreErrors.Classify(e));

        proxy.FailNext(0, HttpStatusCode.TooManyRequests);
        Assert.Empty(await store.ListEntriesAsync(Token));
        var entry = await store.PutEntryAsync(StoreImages.Entry("p/main", T0, stage), Token);
        Assert.Equal([entry.Id], (await store.ListEntriesAsync(Token)).Select(x => x.Id));
    }

    [Fact]
    public async Task A_registry_killed_mid_upload_leaves_nothing_and_a_later_save_works()
    {
        await using var own = await PrivateRegistry.StartAsync(Token);
        var repository = RegistryStoreFixture.NewRepository("killed");
        using var store = await RegistryStoreFixture.OpenAsync(own.Address, repository, Token);
        var length = 40L << 20;
        var content = new KillingStream(new PatternStream(length), 8L << 20, own.KillAsync);

        var e = await Assert.ThrowsAnyAsync<Exception>(() => LayerIngester.IngestAsync(store.Blobs, LayerCompression.Gzip, content, null, null, Token));
        Assert.Equal(StoreErrorKind.Transient, StoreErrors.Classify(e));

        await own.RestartAsync(Token);
        using var again = await RegistryStoreFixture.OpenAsync(own.Address, repository, Token);
        Assert.Empty(await again.ListEntriesAsync(Token));
        var stage = await StoreImages.AddImageAsync(again.Blobs, "app", [StoreImages.Layer("after the crash")], gzip: true, Token);
        var entry = await again.PutEntryAsync(StoreImages.Entry("p/main", T0, stage), Token);
        Assert.Equal([entry.Id], (await again.ListEntriesAsync(Token)).Select(x => x.Id));
    }

    [Fact]
    public async Task A_store_behind_TLS_and_a_token_login_saves_and_lists_with_the_docker_config_credentials()
    {
        await using var secured = await PrivateRegistry.StartAsync(new PrivateRegistry { Tls = true, TokenAuth = ("ci", "s3cret") }, Token);
        using var config = DockerConfigDirectory.WithAuth(secured.Address, "ci", "s3cret");
        var options = new RegistryCacheStoreOptions
        {
            Client = new RegistryClientOptions { Registry = secured.Address, CaFile = secured.CaFile, Credentials = config.Provider() },
            Repository = "team/cache",
        };
        using (var store = await RegistryCacheStore.OpenAsync(options, Token))
        {
            var stage = await StoreImages.AddImageAsync(store.Blobs, "app", [StoreImages.Layer("secured")], gzip: true, Token);
            await store.PutEntryAsync(StoreImages.Entry("p/main", T0, stage), Token);
        }

        using var reader = await RegistryCacheStore.OpenAsync(options, Token);
        Assert.Single(await reader.ListEntriesAsync(Token));

        // Wrong password: the open is a denied store failure (a warning and a cold build for a run).
        using var wrong = DockerConfigDirectory.WithAuth(secured.Address, "ci", "wrong");
        var denied = await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            using var store = await RegistryCacheStore.OpenAsync(options with { Client = options.Client with { Credentials = wrong.Provider() } }, Token);
            await store.ListEntriesAsync(Token);
        });
        Assert.Equal(StoreErrorKind.Denied, StoreErrors.Classify(denied));
    }

    private static async Task<byte[]> ReadAsync(RegistryCacheStore store, Digest digest)
    {
        await using var stream = await store.Blobs.OpenReadAsync(digest, Token);
        return await DocumentReader.ReadAsync(stream, digest.Value, Token);
    }

    /// <summary>Content read back in uneven pieces, as a socket delivers it.</summary>
    private sealed class RaggedStream(byte[] content) : Stream
    {
        private static readonly int[] Pieces = [1, 7000, 1500, 65_536, 3, 120_000, 4096];
        private int _position;
        private int _turn;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => content.Length;

        public override long Position
        {
            get => _position;
            set => throw new NotSupportedException();
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var count = Math.Min(Math.Min(buffer.Length, Pieces[_turn++ % Pieces.Length]), content.Length - _position);
            content.AsSpan(_position, count).CopyTo(buffer.Span);
            _position += count;
            return ValueTask.FromResult(count);
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    /// <summary>Content that kills the registry once <paramref name="after"/> bytes were read from it, as a crash mid-upload would.</summary>
    private sealed class KillingStream(Stream inner, long after, Func<Task> kill) : Stream
    {
        private long _read;
        private bool _killed;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => _read;
            set => throw new NotSupportedException();
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (!_killed && _read >= after)
            {
                _killed = true;
                await kill();
            }

            var read = await inner.ReadAsync(buffer, cancellationToken);
            _read += read;
            return read;
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
