using OmniFlow.TemporalServer.Persistence;
using OmniFlow.TemporalServer.Time;
using Temporalio.Api.History.V1;

namespace OmniFlow.TemporalServer.Engine.StateMachines;

public enum WorkflowTaskPhase
{
    Scheduled,
    Started,
    Completed,

    /// <summary>A speculative task whose completion changed nothing: gone as if it never existed.</summary>
    Discarded,
    Failed,
    TimedOut,

    /// <summary>The run closed while the task was pending.</summary>
    Dropped,
}

public enum WorkflowTaskEvent
{
    /// <summary>A poller takes it.</summary>
    Start,

    /// <summary>Events came in while an unwritten (transient or speculative) task waited: it is written as attempt 1.</summary>
    BecomeNormal,

    /// <summary>Its sticky queue's worker is gone or too slow: it goes to the normal queue.</summary>
    LeaveStickyQueue,
    Complete,
    Discard,
    Fail,
    TimeOut,
    RunClosed,
}

/// <summary>
/// The run's single outstanding workflow task; its legal transitions are <see cref="Transitions"/>.
/// A retry (attempt ≥ 2) is transient, as on a real server: its Scheduled and Started events are shown to the worker
/// with the ids they would take, but written to history only when the attempt completes; its failure is not written.
/// A speculative task (scheduled only to carry updates) is unwritten the same way on its first attempt; when its
/// completion changes nothing (no commands, only update rejections) it is discarded as if it never existed, otherwise
/// its events are written (completed, failed or timed out) as a normal task's.
/// </summary>
public sealed class WorkflowTaskMachine(long scheduledEventId, int attempt, DateTimeOffset scheduledTime, bool speculative = false)
{
    public static readonly TransitionTable<WorkflowTaskPhase, WorkflowTaskEvent> Transitions = new(
        "Workflow task",
        (WorkflowTaskPhase.Scheduled, WorkflowTaskEvent.Start, WorkflowTaskPhase.Started),
        (WorkflowTaskPhase.Scheduled, WorkflowTaskEvent.BecomeNormal, WorkflowTaskPhase.Scheduled),
        (WorkflowTaskPhase.Scheduled, WorkflowTaskEvent.LeaveStickyQueue, WorkflowTaskPhase.Scheduled),
        (WorkflowTaskPhase.Scheduled, WorkflowTaskEvent.RunClosed, WorkflowTaskPhase.Dropped),
        (WorkflowTaskPhase.Started, WorkflowTaskEvent.Complete, WorkflowTaskPhase.Completed),
        (WorkflowTaskPhase.Started, WorkflowTaskEvent.Discard, WorkflowTaskPhase.Discarded),
        (WorkflowTaskPhase.Started, WorkflowTaskEvent.Fail, WorkflowTaskPhase.Failed),
        (WorkflowTaskPhase.Started, WorkflowTaskEvent.TimeOut, WorkflowTaskPhase.TimedOut),
        (WorkflowTaskPhase.Started, WorkflowTaskEvent.RunClosed, WorkflowTaskPhase.Dropped));

    public long ScheduledEventId { get; private set; } = scheduledEventId;

    public int Attempt { get; private set; } = attempt;

    public bool Transient { get; private set; } = attempt > 1;

    public bool Speculative { get; private set; } = speculative && attempt == 1;

    /// <summary>Its Scheduled and Started events are not in history (yet): a transient or speculative task.</summary>
    public bool Unwritten => Transient || Speculative;

    public DateTimeOffset ScheduledTime { get; } = scheduledTime;

    public WorkflowTaskPhase Phase { get; private set; } = WorkflowTaskPhase.Scheduled;

    public long StartedEventId { get; private set; }

    public DateTimeOffset StartedTime { get; private set; }

    public ClockItem? Timeout { get; private set; }

    /// <summary>A transient or speculative task's Scheduled and Started events, not yet in history.</summary>
    public IReadOnlyList<HistoryEvent> UnwrittenEvents { get; private set; } = [];

    /// <summary>
    /// Events came in while a transient retry or a speculative task waited: it becomes an ordinary first attempt,
    /// written as usual.
    /// </summary>
    public void BecomeNormal(long scheduledEventId)
    {
        if (!Unwritten)
        {
            throw new InvalidOperationException("Only a transient or speculative task can become normal.");
        }

        Phase = Transitions.Next(Phase, WorkflowTaskEvent.BecomeNormal);
        Transient = false;
        Speculative = false;
        Attempt = 1;
        ScheduledEventId = scheduledEventId;
    }

    public void Start(long startedEventId, DateTimeOffset startedTime, ClockItem timeout, IReadOnlyList<HistoryEvent> unwritten)
    {
        Phase = Transitions.Next(Phase, WorkflowTaskEvent.Start);
        StartedEventId = startedEventId;
        StartedTime = startedTime;
        Timeout = timeout;
        UnwrittenEvents = unwritten;
    }

    /// <summary>The unwritten events went into history (the attempt completed, or a speculative one failed) under these ids.</summary>
    public void Written(long scheduledEventId, long startedEventId)
    {
        Transient = false;
        Speculative = false;
        UnwrittenEvents = [];
        ScheduledEventId = scheduledEventId;
        StartedEventId = startedEventId;
    }

    public bool Allows(WorkflowTaskEvent on) => Transitions.Allows(Phase, on);

    /// <summary>The task a worker's answer (completion or failure) is for: started, with the token's ids.</summary>
    public bool Matches(TaskToken token) =>
        Allows(WorkflowTaskEvent.Complete) && token.ScheduledEventId == ScheduledEventId && token.Attempt == Attempt;

    /// <summary>The dispatch still stands for this task, waiting for a poller.</summary>
    public bool Matches(long scheduledEventId, int attempt, WorkflowTaskEvent on) =>
        Allows(on) && scheduledEventId == ScheduledEventId && attempt == Attempt;

    public void LeaveStickyQueue() => Phase = Transitions.Next(Phase, WorkflowTaskEvent.LeaveStickyQueue);

    /// <summary>The task ends (completed, discarded, failed, timed out, or dropped with its run).</summary>
    public void End(WorkflowTaskEvent how)
    {
        Phase = Transitions.Next(Phase, how);
        Timeout?.Cancel();
    }

    public void Write(StateWriter writer) => writer
        .Write(ScheduledEventId).Write(Attempt).Write(Transient).Write(ScheduledTime).Write((int)Phase)
        .Write(StartedEventId).Write(StartedTime).WriteAll(UnwrittenEvents, (w, e) => w.Write(e)).Write(Speculative);

    /// <summary>A task as written; a started one gets its timeout again through <see cref="Rearm"/>.</summary>
    public static WorkflowTaskMachine Read(StateReader reader, int stateVersion)
    {
        var scheduledEventId = reader.Long();
        var attempt = reader.Int();
        var transient = reader.Bool();
        return new WorkflowTaskMachine(scheduledEventId, attempt, reader.Time())
        {
            Transient = transient,
            Phase = (WorkflowTaskPhase)reader.Int(),
            StartedEventId = reader.Long(),
            StartedTime = reader.Time(),
            UnwrittenEvents = reader.All(r => r.Message(HistoryEvent.Parser)!),
            Speculative = stateVersion >= 2 && reader.Bool(),
        };
    }

    public void Rearm(ClockItem timeout) => Timeout = timeout;
}
