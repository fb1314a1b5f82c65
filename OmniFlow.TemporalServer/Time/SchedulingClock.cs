using Microsoft.Extensions.Logging;

namespace OmniFlow.TemporalServer.Time;

/// <summary>
/// A clock that follows real time plus an offset. With time skipping on, whenever skipping is unlocked and no work is
/// in flight, the offset jumps forward to the earliest scheduled item. Without time skipping it is the real clock.
/// </summary>
public sealed partial class SchedulingClock : IClock, IAsyncDisposable
{
    private readonly Lock _sync = new();
    private readonly PriorityQueue<ClockItem, (DateTimeOffset Due, long Sequence)> _items = new();
    private readonly SemaphoreSlim _wake = new(0);
    private readonly CancellationTokenSource _stop = new();
    private readonly TimeProvider _real;
    private readonly bool _timeSkipping;
    private readonly ILogger _logger;
    private readonly Task _loop;
    private TimeSpan _offset;
    private long _sequence;
    private int _userLocks;
    private int _workInFlight;
    private int _disposed;

    public SchedulingClock(bool timeSkipping, ILogger<SchedulingClock> logger, TimeProvider? real = null)
    {
        _timeSkipping = timeSkipping;
        _logger = logger;
        _real = real ?? TimeProvider.System;
        _userLocks = timeSkipping ? 1 : 0;
        _loop = Task.Factory.StartNew(RunAsync, TaskCreationOptions.LongRunning).Unwrap();
    }

    public bool TimeSkipping => _timeSkipping;

    public DateTimeOffset Now
    {
        get
        {
            lock (_sync)
            {
                return _real.GetUtcNow() + _offset;
            }
        }
    }

    public ClockItem Schedule(DateTimeOffset due, Action action)
    {
        lock (_sync)
        {
            var item = new ClockItem(due, action, ++_sequence);
            var wasEarliest = !_items.TryPeek(out _, out var head) || due < head.Due;
            _items.Enqueue(item, (due, item.Sequence));
            if (wasEarliest)
            {
                Wake();
            }

            return item;
        }
    }

    public void BeginWork() => Interlocked.Increment(ref _workInFlight);

    public void EndWork()
    {
        if (Interlocked.Decrement(ref _workInFlight) == 0 && _timeSkipping)
        {
            Wake();
        }
    }

    public void LockSkipping()
    {
        lock (_sync)
        {
            _userLocks++;
        }
    }

    /// <summary>Returns false when skipping was not locked.</summary>
    public bool UnlockSkipping()
    {
        lock (_sync)
        {
            if (_userLocks == 0)
            {
                return false;
            }

            _userLocks--;
            Wake();
            return true;
        }
    }

    /// <summary>Completes once the clock reaches <paramref name="until"/>, skipping time meanwhile when allowed.</summary>
    public Task WaitUntilAsync(DateTimeOffset until, CancellationToken cancellationToken)
    {
        var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var item = Schedule(until, () => reached.TrySetResult());
        cancellationToken.Register(() =>
        {
            item.Cancel();
            reached.TrySetCanceled(cancellationToken);
        });
        return reached.Task;
    }

    /// <summary>
    /// UnlockTimeSkippingWithSleep: releases one lock on skipping until the clock reaches <paramref name="until"/>, and
    /// takes it back in the step that reaches it, so time never skips past <paramref name="until"/> to a later item.
    /// </summary>
    public async Task UnlockUntilAsync(DateTimeOffset until, CancellationToken cancellationToken)
    {
        var released = false;
        void Relock()
        {
            lock (_sync)
            {
                if (released)
                {
                    released = false;
                    _userLocks++;
                }
            }
        }

        var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        ClockItem item;
        lock (_sync)
        {
            // Scheduled before skipping is released: the loop cannot skip past it to anything later.
            item = Schedule(until, () =>
            {
                Relock();
                reached.TrySetResult();
            });
            if (_userLocks > 0)
            {
                _userLocks--;
                released = true;
                Wake();
            }
        }

        using var registration = cancellationToken.Register(() =>
        {
            item.Cancel();
            reached.TrySetCanceled(cancellationToken);
        });
        try
        {
            await reached.Task;
        }
        finally
        {
            Relock();
        }
    }

    private bool CanSkip => _timeSkipping && _userLocks == 0 && Volatile.Read(ref _workInFlight) == 0;

    private void Wake()
    {
        if (_wake.CurrentCount == 0)
        {
            _wake.Release();
        }
    }

    private async Task RunAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var wait = FireDueItems();
            try
            {
                await _wake.WaitAsync(wait, _stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Fires every due item (skipping ahead when allowed) and returns how long to sleep.</summary>
    private TimeSpan FireDueItems()
    {
        while (true)
        {
            ClockItem? next;
            lock (_sync)
            {
                while (_items.TryPeek(out var head, out _) && head.IsCancelled)
                {
                    _items.Dequeue();
                }

                if (!_items.TryPeek(out next, out _))
                {
                    return Timeout.InfiniteTimeSpan;
                }

                var now = _real.GetUtcNow() + _offset;
                if (next.Due > now)
                {
                    if (!CanSkip)
                    {
                        var untilDue = next.Due - now;
                        return untilDue > TimeSpan.FromMinutes(1) ? TimeSpan.FromMinutes(1) : untilDue;
                    }

                    _offset += next.Due - now;
                }

                _items.Dequeue();
            }

            try
            {
                next.Action();
            }
            catch (Exception ex)
            {
                LogItemFailed(ex);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
        _wake.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "A scheduled clock item failed")]
    private partial void LogItemFailed(Exception exception);
}
