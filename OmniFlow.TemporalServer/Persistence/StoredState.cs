namespace OmniFlow.TemporalServer.Persistence;

/// <summary>Everything a file holds, read once at start.</summary>
public sealed record StoredState(
    IReadOnlyList<NamespaceChange> Namespaces,
    IReadOnlyList<StoredRun> Runs,
    IReadOnlyList<ScheduleChange> Schedules)
{
    public static readonly StoredState Empty = new([], [], []);
}

/// <summary>A run as stored: its state and its whole history (protobuf HistoryEvent bytes, by event id).</summary>
public sealed record StoredRun(long Key, string Namespace, string WorkflowId, string RunId, byte[] State, IReadOnlyList<byte[]> Events);
