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
/// The run's single outstanding workflow task: Scheduled → Started → (Completed | Failed | TimedOut).
/// A retry (attempt ≥ 2) is transient, as on a real server: its Scheduled and Started events are shown to the worker
/// with the ids they would take, but written to history only when the attempt completes; its failure is not written.
/// </summary>
public sealed class WorkflowTaskMachine(long scheduledEventId, int attempt, DateTimeOffset scheduledTime)
{
    public long ScheduledEventId { get; private set; } = scheduledEventId;

    public int Attempt { get; private set; } = attempt;

    public bool Transient { get; private set; } = attempt > 1;

    public DateTimeOffset ScheduledTime { get; } = scheduledTime;

    public WorkflowTaskPhase Phase { get; private set; } = WorkflowTaskPhase.Scheduled;

    public long StartedEventId { get; private set; }

    public DateTimeOffset StartedTime { get; private set; }

    public ClockItem? Timeout { get; private set; }

    /// <summary>A transient task's Scheduled and Started events, not yet in history.</summary>
    public IReadOnlyList<HistoryEvent> Unwritten { get; private set; } = [];

    /// <summary>Events came in while a transient retry waited: it becomes an ordinary first attempt, written as usual.</summary>
    public void BecomeNormal(long scheduledEventId)
    {
        if (Phase != WorkflowTaskPhase.Scheduled || !Transient)
        {
            throw new InvalidOperationException("Only a transient task that has not started can become normal.");
        }

        Transient = false;
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
        Unwritten = unwritten;
    }

    /// <summary>The transient events went into history (the attempt completed) under these ids.</summary>
    public void Written(long scheduledEventId, long startedEventId)
    {
        Transient = false;
        Unwritten = [];
        ScheduledEventId = scheduledEventId;
        StartedEventId = startedEventId;
    }

    public bool Matches(TaskToken token) =>
        Phase == WorkflowTaskPhase.Started && token.ScheduledEventId == ScheduledEventId && token.Attempt == Attempt;

    public void End() => Timeout?.Cancel();

    public void Write(StateWriter writer) => writer
        .Write(ScheduledEventId).Write(Attempt).Write(Transient).Write(ScheduledTime).Write((int)Phase)
        .Write(StartedEventId).Write(StartedTime).WriteAll(Unwritten, (w, e) => w.Write(e));

    /// <summary>A task as written; a started one gets its timeout again through <see cref="Rearm"/>.</summary>
    public static WorkflowTaskMachine Read(StateReader reader)
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
            Unwritten = reader.All(r => r.Message(HistoryEvent.Parser)!),
        };
    }

    public void Rearm(ClockItem timeout) => Timeout = timeout;
}
