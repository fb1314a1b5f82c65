using OmniFlow.TemporalServer.Time;

namespace OmniFlow.TemporalServer.Engine.StateMachines;

/// <summary>A user timer: Started → (Fired | Canceled).</summary>
public sealed class TimerMachine(string timerId, long startedEventId, ClockItem fireItem)
{
    public string TimerId { get; } = timerId;

    public long StartedEventId { get; } = startedEventId;

    public ClockItem FireItem { get; } = fireItem;
}
