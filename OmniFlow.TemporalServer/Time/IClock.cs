namespace OmniFlow.TemporalServer.Time;

/// <summary>The server's only source of time: every timer, timeout and backoff is an item scheduled on it.</summary>
public interface IClock
{
    DateTimeOffset Now { get; }

    /// <summary>Runs <paramref name="action"/> once <see cref="Now"/> reaches <paramref name="due"/>.</summary>
    ClockItem Schedule(DateTimeOffset due, Action action);

    /// <summary>Marks work in flight (a workflow or activity task); time is never skipped while any is in flight.</summary>
    void BeginWork();

    void EndWork();
}

/// <summary>A scheduled item; cancel it to stop it from firing.</summary>
public sealed class ClockItem(DateTimeOffset due, Action action, long sequence)
{
    private int _cancelled;

    public DateTimeOffset Due { get; } = due;

    internal long Sequence { get; } = sequence;

    internal Action Action { get; } = action;

    public bool IsCancelled => Volatile.Read(ref _cancelled) == 1;

    public void Cancel() => Interlocked.Exchange(ref _cancelled, 1);
}
