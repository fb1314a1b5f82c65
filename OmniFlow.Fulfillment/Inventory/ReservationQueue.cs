using System.Collections.Concurrent;

namespace OmniFlow.Fulfillment.Inventory;

/// <summary>
/// Reservations that arrive while a commit runs wait for the next one and commit together, up to
/// <see cref="MaxPerCommit"/> at a time. Under a crowd, one transaction and one lock of the hot sku's row serve many
/// orders instead of each order queueing for that lock with a connection of its own; a reservation that finds no commit
/// running starts one at once, so nothing waits on a timer.
/// </summary>
internal sealed class ReservationQueue(Func<IReadOnlyList<PendingReservation>, Task> commit)
{
    public const int MaxPerCommit = 64;

    private readonly ConcurrentQueue<PendingReservation> waiting = new();
    private int committing;

    public Task<Persistence.OnceResult<StockOperationResult>> SubmitAsync(PendingReservation reservation)
    {
        waiting.Enqueue(reservation);
        if (Interlocked.CompareExchange(ref committing, 1, 0) == 0)
        {
            // The commits belong to no caller: their spans name their callers themselves.
            using (ExecutionContext.SuppressFlow())
            {
                _ = Task.Run(CommitWaitingAsync);
            }
        }

        return reservation.Completion.Task.WaitAsync(reservation.CancellationToken);
    }

    private async Task CommitWaitingAsync()
    {
        do
        {
            while (Take() is { Count: > 0 } batch)
            {
                try
                {
                    await commit(batch);
                }
                catch (Exception failure)
                {
                    foreach (var reservation in batch)
                    {
                        reservation.Completion.TrySetException(failure);
                    }
                }
            }

            Volatile.Write(ref committing, 0);
        }
        // A reservation queued after the last Take but before committing was cleared found a commit running: take it.
        while (!waiting.IsEmpty && Interlocked.CompareExchange(ref committing, 1, 0) == 0);
    }

    private List<PendingReservation> Take()
    {
        List<PendingReservation> batch = [];
        while (batch.Count < MaxPerCommit && waiting.TryDequeue(out var reservation))
        {
            batch.Add(reservation);
        }

        return batch;
    }
}
