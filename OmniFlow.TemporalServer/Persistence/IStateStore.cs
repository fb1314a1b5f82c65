namespace OmniFlow.TemporalServer.Persistence;

/// <summary>
/// The one seam between the server's state and durable storage. Whatever changes (a run, a namespace, a schedule) tells
/// the store once, under its own lock, when it first changes after its last capture; the store captures it later
/// (<see cref="IStored.Capture"/>) and commits many captures per transaction. An answer that reveals a change waits for
/// <see cref="Committed"/>. The in-memory server's store (<see cref="NoStateStore"/>) tracks nothing.
/// </summary>
public interface IStateStore
{
    /// <summary>False for the in-memory server: callers skip tracking altogether.</summary>
    bool Durable { get; }

    /// <summary>The item changed since its last capture; called once until it is captured again.</summary>
    void Changed(IStored item);

    /// <summary>Completes when every change made before the call is committed.</summary>
    Task Committed();
}

/// <summary>Something whose state the store keeps.</summary>
public interface IStored
{
    /// <summary>Its state now (taking its own lock), and what was appended since the last capture.</summary>
    StoredChange Capture();
}

/// <summary>What one capture writes.</summary>
public abstract record StoredChange;

/// <summary>A run's state (<paramref name="State"/>) and the history events appended since its last capture.</summary>
public sealed record RunChange(long Key, string Namespace, string WorkflowId, string RunId, byte[] State, long FirstNewEventId, IReadOnlyList<byte[]> NewEvents)
    : StoredChange;

public sealed record NamespaceChange(string Name, byte[] State) : StoredChange;

/// <summary>A schedule's state; null when it was deleted.</summary>
public sealed record ScheduleChange(string Namespace, string ScheduleId, long Order, byte[]? State) : StoredChange;
