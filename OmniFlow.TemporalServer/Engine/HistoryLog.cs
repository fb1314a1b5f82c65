using Google.Protobuf.WellKnownTypes;
using Temporalio.Api.History.V1;

namespace OmniFlow.TemporalServer.Engine;

/// <summary>A run's append-only event list: ids 1..n without gaps, every event stamped by the server's clock.</summary>
public sealed class HistoryLog
{
    private readonly List<HistoryEvent> _events = [];
    private TaskCompletionSource? _changed;

    public int Count => _events.Count;

    public long LastEventId => _events.Count;

    public HistoryEvent this[long eventId] => _events[(int)eventId - 1];

    public HistoryEvent Last => _events[^1];

    /// <summary>Completes at the next append; callers read it under the run's lock.</summary>
    public Task Changed => (_changed ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    public HistoryEvent Append(HistoryEvent historyEvent, DateTimeOffset now)
    {
        historyEvent.EventId = _events.Count + 1;
        historyEvent.EventTime ??= Timestamp.FromDateTimeOffset(now);
        historyEvent.TaskId = historyEvent.EventId;
        _events.Add(historyEvent);
        // Only a waiter makes a signal: most appends have nobody waiting.
        if (_changed is { } changed)
        {
            _changed = null;
            changed.TrySetResult();
        }

        return historyEvent;
    }

    /// <summary>A stored history, read back at start.</summary>
    public void Load(IEnumerable<HistoryEvent> events) => _events.AddRange(events);

    public History Slice(long fromEventId, long toEventIdInclusive)
    {
        var history = new History();
        for (var id = Math.Max(1, fromEventId); id <= Math.Min(toEventIdInclusive, _events.Count); id++)
        {
            history.Events.Add(_events[(int)id - 1]);
        }

        return history;
    }

    public IEnumerable<HistoryEvent> Events => _events;
}
