using Microsoft.Extensions.Logging;

namespace OmniFlow.TemporalServer.Persistence;

/// <summary>
/// Group commit over a <see cref="SqliteStateFile"/>: changed items queue up; one background writer takes everything
/// queued (and whatever is queued while it captures), captures each under its own lock, writes all in one transaction,
/// then completes the callers waiting for that batch. A caller waits for the batch being written when its change is no
/// longer queued (it is in that batch or an earlier one), else for the next. A batch that fails to write (a full
/// disk) fails its callers and every later one: the file stays as of the last commit, and the server must be restarted.
/// </summary>
public sealed partial class SqliteStateStore : IStateStore, IAsyncDisposable
{
    private readonly SqliteStateFile _file;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly SemaphoreSlim _wake = new(0);
    private readonly CancellationTokenSource _stop = new();
    private List<IStored> _queue = [];
    private TaskCompletionSource _next = NewBatch();
    private TaskCompletionSource? _writing;
    private Task? _failed;
    private Task? _loop;

    public SqliteStateStore(string path, ILogger<SqliteStateStore> logger)
    {
        _file = new SqliteStateFile(path);
        _logger = logger;
        Path = path;
    }

    public string Path { get; }

    public bool Durable => true;

    /// <summary>Reads the file (before the writer starts).</summary>
    public StoredState Load() => _file.Load();

    public void Start() => _loop ??= Task.Factory.StartNew(WriteLoopAsync, TaskCreationOptions.LongRunning).Unwrap();

    public void Changed(IStored item)
    {
        lock (_gate)
        {
            _queue.Add(item);
            if (_queue.Count == 1)
            {
                _wake.Release();
            }
        }
    }

    public Task Committed()
    {
        lock (_gate)
        {
            return _failed ?? (_queue.Count > 0 ? _next.Task : _writing?.Task ?? Task.CompletedTask);
        }
    }

    private async Task WriteLoopAsync()
    {
        var changes = new List<StoredChange>();
        var batches = new List<TaskCompletionSource>();
        while (true)
        {
            try
            {
                await _wake.WaitAsync(_stop.Token);
            }
            catch (OperationCanceledException)
            {
                // Stopping: write what is left, then end.
                if (_queue.Count == 0)
                {
                    return;
                }
            }

            changes.Clear();
            batches.Clear();
            while (true)
            {
                List<IStored> queued;
                lock (_gate)
                {
                    if (_queue.Count == 0)
                    {
                        break;
                    }

                    // A caller that saw its change queued waits for _next: it goes with the change into this
                    // transaction, in the same step that takes the change.
                    queued = _queue;
                    _queue = [];
                    batches.Add(_writing = _next);
                    _next = NewBatch();
                }

                foreach (var item in queued)
                {
                    changes.Add(item.Capture());
                }
            }

            if (batches.Count == 0)
            {
                continue;
            }

            try
            {
                _file.Write(changes);
                batches.ForEach(batch => batch.TrySetResult());
            }
            catch (Exception ex)
            {
                LogWriteFailed(ex, changes.Count);
                var failure = new Grpc.Core.RpcException(new Grpc.Core.Status(
                    Grpc.Core.StatusCode.Unavailable, "the server could not persist its state and must be restarted: " + ex.Message));
                lock (_gate)
                {
                    _failed = Task.FromException(failure);
                    _next.TrySetException(failure);
                }

                batches.ForEach(batch => batch.TrySetException(failure));
                return;
            }

            lock (_gate)
            {
                _writing = null;
            }
        }
    }

    private static TaskCompletionSource NewBatch() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    [LoggerMessage(Level = LogLevel.Critical, Message = "Writing {Count} changes to the state file failed")]
    private partial void LogWriteFailed(Exception exception, int count);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_loop is { } loop)
        {
            await loop;
        }

        _file.Dispose();
        _stop.Dispose();
    }
}
