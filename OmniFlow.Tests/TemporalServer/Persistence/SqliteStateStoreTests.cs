using Microsoft.Extensions.Logging.Abstractions;
using OmniFlow.TemporalServer.Persistence;

namespace OmniFlow.Tests.TemporalServer.Persistence;

/// <summary>The state file and its group commit, without the engine.</summary>
public sealed class SqliteStateStoreTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("omniflow-store-").FullName;

    private string FilePath => Path.Combine(_directory, "nested", "state.db");

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void A_file_reads_back_what_was_written_runs_with_their_appended_events_namespaces_and_schedules()
    {
        using (var file = new SqliteStateFile(FilePath))
        {
            file.Write([
                new RunChange(1, "default", "wf-1", "run-1", [1], 1, [[10], [11]]),
                new RunChange(2, "default", "wf-1", "run-2", [2], 1, [[20]]),
                new NamespaceChange("default", [7]),
                new ScheduleChange("default", "s-1", 1, [5]),
                new ScheduleChange("default", "s-2", 2, [6]),
            ]);
            file.Write([
                new RunChange(1, "default", "wf-1", "run-1", [3], 3, [[12]]),
                new NamespaceChange("default", [8]),
                new ScheduleChange("default", "s-1", 1, null),
            ]);
        }

        using var reopened = new SqliteStateFile(FilePath);
        var state = reopened.Load();
        Assert.Collection(
            state.Runs,
            run =>
            {
                Assert.Equal((1, "run-1"), (run.Key, run.RunId));
                Assert.Equal([3], run.State);
                Assert.Equal([[10], [11], [12]], run.Events);
            },
            run =>
            {
                Assert.Equal((2, "wf-1", 1), (run.Key, run.WorkflowId, run.Events.Count));
                Assert.Equal([2], run.State);
            });
        Assert.Equal([8], Assert.Single(state.Namespaces).State);
        Assert.Equal("s-2", Assert.Single(state.Schedules).ScheduleId);
    }

    [Fact]
    public void An_event_id_written_twice_fails_the_whole_batch_and_changes_nothing()
    {
        using (var file = new SqliteStateFile(FilePath))
        {
            file.Write([new RunChange(1, "default", "wf", "run", [1], 1, [[10]])]);
            Assert.ThrowsAny<Microsoft.Data.Sqlite.SqliteException>(() => file.Write([
                new NamespaceChange("default", [9]),
                new RunChange(1, "default", "wf", "run", [2], 1, [[99]]),
            ]));
        }

        using var reopened = new SqliteStateFile(FilePath);
        var state = reopened.Load();
        Assert.Empty(state.Namespaces);
        var run = Assert.Single(state.Runs);
        Assert.Equal([1], run.State);
        Assert.Equal([[10]], run.Events);
    }

    [Fact]
    public async Task Committed_completes_once_every_change_made_before_it_is_in_the_file()
    {
        var items = Enumerable.Range(1, 200).Select(i => new CountingItem(i)).ToList();
        await using (var store = new SqliteStateStore(FilePath, NullLogger<SqliteStateStore>.Instance))
        {
            Assert.True(store.Committed().IsCompleted, "nothing changed yet");
            store.Start();
            await Task.WhenAll(items.Select(item => Task.Run(async () =>
            {
                for (var version = 1; version <= 3; version++)
                {
                    item.Version = version;
                    store.Changed(item);
                    await store.Committed();
                    using var reader = new SqliteStateFile(FilePath);
                    var stored = reader.Load().Runs.Single(r => r.Key == item.Key);
                    Assert.True(stored.State[0] >= version, $"run {item.Key} acknowledged version {version} before it was stored");
                }
            }, TestContext.Current.CancellationToken)));
        }

        // Captures were shared: fewer transactions than changes.
        Assert.True(items.Sum(i => i.Captures) <= 600);
    }

    [Fact]
    public async Task A_change_queued_behind_another_as_the_writer_wakes_is_acknowledged_without_a_later_change()
    {
        // The writer once moved on to a new batch as it woke, before taking the queue: a change queued in between went
        // into the batch being written, while its caller waited for the next one, which only a later change started.
        var first = new CountingItem(1);
        var second = new CountingItem(2);
        await using var store = new SqliteStateStore(FilePath, NullLogger<SqliteStateStore>.Instance);
        store.Start();
        for (var i = 0; i < 3000; i++)
        {
            store.Changed(first);
            if (i % 3 != 0)
            {
                Thread.SpinWait(i % 200);
            }

            store.Changed(second);
            var acknowledged = store.Committed();
            Assert.True(
                await Task.WhenAny(acknowledged, Task.Delay(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken)) == acknowledged,
                $"change {i} was never acknowledged");
        }
    }

    [Fact]
    public async Task Changes_still_queued_at_dispose_are_written()
    {
        var item = new CountingItem(1) { Version = 4 };
        await using (var store = new SqliteStateStore(FilePath, NullLogger<SqliteStateStore>.Instance))
        {
            store.Start();
            store.Changed(item);
        }

        using var reader = new SqliteStateFile(FilePath);
        Assert.Equal([4], Assert.Single(reader.Load().Runs).State);
    }

    [Fact]
    public async Task A_batch_that_cannot_be_written_fails_its_callers_and_every_later_one()
    {
        await using var store = new SqliteStateStore(FilePath, NullLogger<SqliteStateStore>.Instance);
        store.Start();
        store.Changed(new FixedItem(new RunChange(1, "default", "wf", "run", [1], 1, [[10]])));
        await store.Committed();

        store.Changed(new FixedItem(new RunChange(1, "default", "wf", "run", [2], 1, [[11]])));
        var failed = await Assert.ThrowsAsync<Grpc.Core.RpcException>(store.Committed);
        Assert.Equal(Grpc.Core.StatusCode.Unavailable, failed.StatusCode);

        store.Changed(new FixedItem(new NamespaceChange("default", [1])));
        await Assert.ThrowsAsync<Grpc.Core.RpcException>(store.Committed);
        using var reader = new SqliteStateFile(FilePath);
        Assert.Equal([1], Assert.Single(reader.Load().Runs).State);
    }

    private sealed class FixedItem(StoredChange change) : IStored
    {
        public StoredChange Capture() => change;
    }

    private sealed class CountingItem(long key) : IStored
    {
        private int _version;
        private int _captures;

        public long Key => key;

        public int Version
        {
            get => Volatile.Read(ref _version);
            set => Volatile.Write(ref _version, value);
        }

        public int Captures => _captures;

        public StoredChange Capture()
        {
            Interlocked.Increment(ref _captures);
            return new RunChange(key, "default", $"wf-{key}", $"run-{key}", [(byte)Version], 1, []);
        }
    }
}
