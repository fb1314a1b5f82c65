namespace OmniFlow.TemporalServer.Matching;

/// <summary>One task queue: ready tasks wait for pollers, pollers wait for tasks (long poll).</summary>
public sealed class MatchingQueue<T>
    where T : class
{
    private readonly Lock _sync = new();
    private readonly Queue<T> _ready = new();
    private readonly LinkedList<TaskCompletionSource<T?>> _pollers = new();
    private bool _closed;

    public int Backlog
    {
        get
        {
            lock (_sync)
            {
                return _ready.Count;
            }
        }
    }

    /// <summary>Hands the task to a waiting poller or queues it; false when the queue is closed.</summary>
    public bool Add(T task)
    {
        lock (_sync)
        {
            if (_closed)
            {
                return false;
            }

            while (_pollers.First is { } poller)
            {
                _pollers.RemoveFirst();
                if (poller.Value.TrySetResult(task))
                {
                    return true;
                }
            }

            _ready.Enqueue(task);
            return true;
        }
    }

    /// <summary>Closes the queue for good (its worker is gone): waiting polls end empty; the queued tasks are returned.</summary>
    public IReadOnlyList<T> Close()
    {
        lock (_sync)
        {
            _closed = true;
            foreach (var poller in _pollers)
            {
                poller.TrySetResult(null);
            }

            _pollers.Clear();
            var queued = _ready.ToList();
            _ready.Clear();
            return queued;
        }
    }

    /// <summary>Waits for a task; returns null when <paramref name="cancellationToken"/> ends the poll.</summary>
    public async Task<T?> TakeAsync(CancellationToken cancellationToken)
    {
        TaskCompletionSource<T?> waiter;
        LinkedListNode<TaskCompletionSource<T?>> node;
        lock (_sync)
        {
            if (_ready.TryDequeue(out var ready))
            {
                return ready;
            }

            waiter = new TaskCompletionSource<T?>(TaskCreationOptions.RunContinuationsAsynchronously);
            node = _pollers.AddLast(waiter);
        }

        await using (cancellationToken.Register(() =>
                     {
                         lock (_sync)
                         {
                             if (node.List is not null)
                             {
                                 _pollers.Remove(node);
                             }
                         }

                         waiter.TrySetResult(null);
                     }))
        {
            return await waiter.Task;
        }
    }
}
