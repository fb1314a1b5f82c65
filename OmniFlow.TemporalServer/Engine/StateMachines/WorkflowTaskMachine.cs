using OmniFlow.TemporalServer.Persistence;
using OmniFlow.TemporalServer.Time;
using Temporalio.Api.History.V1;

namespace OmniFlow.TemporalServer.Engine.StateMachines;

public enum WorkflowTaskPhase
{
    Scheduled,
    Started,
}

/// <summary>
/// The run's single outstanding workflow task: Scheduled → Started → (Completed | Discarded | Failed | TimedOut).
/// A retry (attempt ≥ 2) is transient, as on a real server: its Scheduled and Started events are shown to the worker
/// with the ids they would take, but written to history only when the attempt completes; its failure is not written.
/// A speculative task (scheduled only to carry updates) is unwritten the same way on its first attempt; when its
/// completion changes nothing (no commands, only update rejections) it is discarded as if it never existed, otherwise
/// its events are written (completed, failed or timed out) as a normal task's.
/// </summary>
public sealed class WorkflowTaskMachine(long scheduledEventId, int attempt, DateTimeOffset scheduledTime, bool speculative = false)
{
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
        if (Phase != WorkflowTaskPhase.Scheduled || !Unwritten)
        {
            throw new InvalidOperationException("Only a transient or speculative task that has not started can become normal.");
        }

        Transient = false;
        Speculative = false;
        Attempt = 1;
        ScheduledEventId = scheduledEventId;
    }

    public void Start(long startedEventId, DateTimeOffset startedTime, ClockItem timeout, IReadOnlyList<HistoryEvent> unwritten)
    {
        if (Phase != WorkflowTaskPhase.Scheduled)
        {
            throw new InvalidOperationException("A workflow task can only start once.");
        }

        Phase = WorkflowTaskPhase.Started;
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

    public bool Matches(TaskToken token) =>
        Phase == WorkflowTaskPhase.Started && token.ScheduledEventId == ScheduledEventId && token.Attempt == Attempt;

    public void End() => Timeout?.Cancel();

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
