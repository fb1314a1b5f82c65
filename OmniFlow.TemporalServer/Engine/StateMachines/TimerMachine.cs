using OmniFlow.TemporalServer.Time;

namespace OmniFlow.TemporalServer.Engine.StateMachines;

public enum TimerPhase
{
    Started,
    Fired,
    Canceled,
}

public enum TimerEvent
{
    Fire,

    /// <summary>The workflow canceled it, or its run closed.</summary>
    Cancel,
}

/// <summary>A user timer; its legal transitions are <see cref="Transitions"/>.</summary>
public sealed class TimerMachine(string timerId, long startedEventId, ClockItem fireItem)
{
    public static readonly TransitionTable<TimerPhase, TimerEvent> Transitions = new(
        "Timer",
        (TimerPhase.Started, TimerEvent.Fire, TimerPhase.Fired),
        (TimerPhase.Started, TimerEvent.Cancel, TimerPhase.Canceled));

    public string TimerId { get; } = timerId;

    public long StartedEventId { get; } = startedEventId;

    public ClockItem FireItem { get; } = fireItem;

    public TimerPhase Phase { get; private set; } = TimerPhase.Started;

    public void Fire() => Phase = Transitions.Next(Phase, TimerEvent.Fire);

    public void Cancel()
    {
        Phase = Transitions.Next(Phase, TimerEvent.Cancel);
        FireItem.Cancel();
    }
}
