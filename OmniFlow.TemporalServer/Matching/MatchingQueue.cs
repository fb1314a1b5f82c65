namespace OmniFlow.TemporalServer.Matching;

/// <summary>One task queue: ready tasks wait for pollers, pollers wait for tasks (long poll).</summary>
public sealed class MatchingQueue<T>
    where T : class
{
    private readonly Lock _sync = new();
    private readonly Queue<T> _ready = new();
    private readonly LinkedList<TaskCompletionSource<T?>> _pollers = new();

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

    public void Add(T task)
    {
        lock (_sync)
        {
            while (_pollers.First is { } poller)
            {
                _pollers.RemoveFirst();
                if (poller.Value.TrySetResult(task))
                {
                    return;
                }
            }

            _ready.Enqueue(task);
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
