using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.Failure.V1;
using Temporalio.Api.History.V1;
using OmniFlow.TemporalServer.Persistence;
using OmniFlow.TemporalServer.Time;

namespace OmniFlow.TemporalServer.Engine.StateMachines;

public enum ActivityPhase
{
    /// <summary>An attempt waits in the task queue.</summary>
    Scheduled,

    /// <summary>A worker runs the attempt.</summary>
    Started,

    /// <summary>Between attempts: the retry backoff runs on the clock.</summary>
    BackingOff,

    /// <summary>Ended (completed, failed, timed out, canceled, or with its run): written, and gone from the run.</summary>
    Closed,
}

public enum ActivityEvent
{
    /// <summary>A poller takes the attempt.</summary>
    Start,
    Heartbeat,
    Complete,

    /// <summary>The attempt failed and the retry policy ends the activity.</summary>
    Fail,

    /// <summary>The attempt failed (or timed out start-to-close or heartbeat) and is retried after a backoff.</summary>
    Retry,

    /// <summary>The backoff is over: the next attempt is scheduled.</summary>
    RetryDue,

    /// <summary>The worker acknowledged a cancel request.</summary>
    Cancel,

    /// <summary>The workflow asked to cancel it: a running attempt must acknowledge, otherwise it ends at once.</summary>
    CancelRequested,
    ScheduleToStartTimeout,
    StartToCloseTimeout,
    HeartbeatTimeout,
    ScheduleToCloseTimeout,
    RunClosed,
}

/// <summary>
/// One activity: attempts cycle Scheduled → Started → (BackingOff → Scheduled)* until it completes, fails, times out or
/// is canceled; its legal transitions are <see cref="Transitions"/>. Attempts are not written to history; only the last
/// one is, when the activity ends. A start-to-close or heartbeat timeout ends it (<see cref="ActivityEvent.StartToCloseTimeout"/>,
/// <see cref="ActivityEvent.HeartbeatTimeout"/>) or, when the retry policy allows, is a <see cref="ActivityEvent.Retry"/>.
/// </summary>
public sealed class ActivityMachine(long scheduledEventId, ActivityTaskScheduledEventAttributes attributes, DateTimeOffset scheduledTime)
{
    public static readonly TransitionTable<ActivityPhase, ActivityEvent> Transitions = new(
        "Activity",
        (ActivityPhase.Scheduled, ActivityEvent.Start, ActivityPhase.Started),
        (ActivityPhase.Scheduled, ActivityEvent.CancelRequested, ActivityPhase.Closed),
        (ActivityPhase.Scheduled, ActivityEvent.ScheduleToStartTimeout, ActivityPhase.Closed),
        (ActivityPhase.Scheduled, ActivityEvent.ScheduleToCloseTimeout, ActivityPhase.Closed),
        (ActivityPhase.Scheduled, ActivityEvent.RunClosed, ActivityPhase.Closed),
        (ActivityPhase.Started, ActivityEvent.Heartbeat, ActivityPhase.Started),
        (ActivityPhase.Started, ActivityEvent.CancelRequested, ActivityPhase.Started),
        (ActivityPhase.Started, ActivityEvent.Complete, ActivityPhase.Closed),
        (ActivityPhase.Started, ActivityEvent.Fail, ActivityPhase.Closed),
        (ActivityPhase.Started, ActivityEvent.Cancel, ActivityPhase.Closed),
        (ActivityPhase.Started, ActivityEvent.Retry, ActivityPhase.BackingOff),
        (ActivityPhase.Started, ActivityEvent.StartToCloseTimeout, ActivityPhase.Closed),
        (ActivityPhase.Started, ActivityEvent.HeartbeatTimeout, ActivityPhase.Closed),
        (ActivityPhase.Started, ActivityEvent.ScheduleToCloseTimeout, ActivityPhase.Closed),
        (ActivityPhase.Started, ActivityEvent.RunClosed, ActivityPhase.Closed),
        (ActivityPhase.BackingOff, ActivityEvent.RetryDue, ActivityPhase.Scheduled),
        (ActivityPhase.BackingOff, ActivityEvent.CancelRequested, ActivityPhase.Closed),
        (ActivityPhase.BackingOff, ActivityEvent.ScheduleToCloseTimeout, ActivityPhase.Closed),
        (ActivityPhase.BackingOff, ActivityEvent.RunClosed, ActivityPhase.Closed));

    private readonly List<ClockItem> _attemptTimers = [];

    public long ScheduledEventId { get; } = scheduledEventId;

    public ActivityTaskScheduledEventAttributes Attributes { get; } = attributes;

    public DateTimeOffset ScheduledTime { get; } = scheduledTime;

    public ActivityPhase Phase { get; private set; } = ActivityPhase.Scheduled;

    public int Attempt { get; private set; } = 1;

    public DateTimeOffset AttemptScheduledTime { get; private set; } = scheduledTime;

    public DateTimeOffset? StartedTime { get; private set; }

    public DateTimeOffset? LastHeartbeatTime { get; private set; }

    public string Identity { get; private set; } = "";

    public string RequestId { get; private set; } = "";

    public Payloads? HeartbeatDetails { get; private set; }

    public Failure? LastFailure { get; private set; }

    public long CancelRequestedEventId { get; private set; }

    public bool CancelRequested => CancelRequestedEventId != 0;

    /// <summary>While backing off: when the next attempt is due.</summary>
    public DateTimeOffset? RetryAt { get; private set; }

    public ClockItem? ScheduleToCloseTimer { get; set; }

    public ClockItem? HeartbeatTimer { get; private set; }

    /// <summary>True while an attempt is in the task queue or running: time skipping waits for it.</summary>
    public bool InFlight => Phase is ActivityPhase.Scheduled or ActivityPhase.Started;

    public DateTimeOffset? ScheduleToCloseDeadline =>
        Attributes.ScheduleToCloseTimeout is { } timeout && timeout.ToTimeSpan() > TimeSpan.Zero
            ? ScheduledTime + timeout.ToTimeSpan()
            : null;

    public bool Allows(ActivityEvent on) => Transitions.Allows(Phase, on);

    /// <summary>The event is legal now and for this attempt (a timer or dispatch of an earlier attempt is stale).</summary>
    public bool Allows(ActivityEvent on, int attempt) => Attempt == attempt && Allows(on);

    /// <summary>The attempt a worker's answer (heartbeat, completion, failure, cancel) is for: the started one.</summary>
    public bool Matches(TaskToken token) =>
        token.ScheduledEventId == ScheduledEventId && Allows(ActivityEvent.Complete, token.Attempt);

    public void Start(string identity, string requestId, DateTimeOffset now)
    {
        Phase = Transitions.Next(Phase, ActivityEvent.Start);
        Identity = identity;
        RequestId = requestId;
        StartedTime = now;
        CancelAttemptTimers();
    }

    public void AddAttemptTimer(ClockItem item) => _attemptTimers.Add(item);

    public void Heartbeat(Payloads? details, DateTimeOffset now, ClockItem? nextHeartbeatTimeout)
    {
        Phase = Transitions.Next(Phase, ActivityEvent.Heartbeat);
        if (details is not null)
        {
            HeartbeatDetails = details;
        }

        LastHeartbeatTime = now;
        HeartbeatTimer?.Cancel();
        HeartbeatTimer = nextHeartbeatTimeout;
    }

    public void RecordHeartbeatDetails(Payloads? details)
    {
        if (details is not null)
        {
            HeartbeatDetails = details;
        }
    }

    public void BeginBackoff(Failure failure, DateTimeOffset retryAt)
    {
        Phase = Transitions.Next(Phase, ActivityEvent.Retry);
        LastFailure = failure;
        RetryAt = retryAt;
        CancelAttemptTimers();
    }

    public void BeginNextAttempt(DateTimeOffset now)
    {
        Phase = Transitions.Next(Phase, ActivityEvent.RetryDue);
        Attempt++;
        RetryAt = null;
        AttemptScheduledTime = now;
        StartedTime = null;
    }

    /// <summary>Records the request; false when it ends the activity at once (no attempt runs to acknowledge it).</summary>
    public bool RequestCancel(long cancelRequestedEventId)
    {
        CancelRequestedEventId = cancelRequestedEventId;
        var next = Transitions.Next(Phase, ActivityEvent.CancelRequested);
        if (next == ActivityPhase.Closed)
        {
            return false;
        }

        Phase = next;
        return true;
    }

    /// <summary>The activity ends: <paramref name="how"/> must lead to Closed from where it stands.</summary>
    public void End(ActivityEvent how)
    {
        var next = Transitions.Next(Phase, how);
        Phase = next == ActivityPhase.Closed
            ? next
            : throw new InvalidOperationException($"Activity: {how} from {Phase} does not end it.");

        CancelAttemptTimers();
        ScheduleToCloseTimer?.Cancel();
    }

    /// <summary>Decides whether a failed attempt is retried: the backoff, or why not.</summary>
    public (TimeSpan? Backoff, RetryState State) NextRetry(Failure failure, DateTimeOffset now)
    {
        var policy = Attributes.RetryPolicy;
        if (failure.ApplicationFailureInfo is { } app &&
            (app.NonRetryable || policy.NonRetryableErrorTypes.Contains(app.Type)))
        {
            return (null, RetryState.NonRetryableFailure);
        }

        if (policy.MaximumAttempts > 0 && Attempt >= policy.MaximumAttempts)
        {
            return (null, RetryState.MaximumAttemptsReached);
        }

        var backoff = RetryPolicies.Backoff(policy, Attempt, failure.ApplicationFailureInfo?.NextRetryDelay?.ToTimeSpan());
        if (ScheduleToCloseDeadline is { } deadline && now + backoff >= deadline)
        {
            return (null, RetryState.Timeout);
        }

        return (backoff, RetryState.InProgress);
    }

    private void CancelAttemptTimers()
    {
        foreach (var item in _attemptTimers)
        {
            item.Cancel();
        }

        _attemptTimers.Clear();
        HeartbeatTimer?.Cancel();
        HeartbeatTimer = null;
    }

    public void Write(StateWriter writer) => writer
        .Write(ScheduledEventId).Write(ScheduledTime).Write((int)Phase).Write(Attempt).Write(AttemptScheduledTime)
        .Write(StartedTime).Write(LastHeartbeatTime).Write(Identity).Write(RequestId).Write(HeartbeatDetails)
        .Write(LastFailure).Write(CancelRequestedEventId).Write(RetryAt);

    /// <summary>An activity as written; its timers are armed again by the run.</summary>
    public static ActivityMachine Read(StateReader reader, Func<long, ActivityTaskScheduledEventAttributes> attributesOf)
    {
        var scheduledEventId = reader.Long();
        return new ActivityMachine(scheduledEventId, attributesOf(scheduledEventId), reader.Time())
        {
            Phase = (ActivityPhase)reader.Int(),
            Attempt = reader.Int(),
            AttemptScheduledTime = reader.Time(),
            StartedTime = reader.OptionalTime(),
            LastHeartbeatTime = reader.OptionalTime(),
            Identity = reader.String(),
            RequestId = reader.String(),
            HeartbeatDetails = reader.Message(Payloads.Parser),
            LastFailure = reader.Message(Failure.Parser),
            CancelRequestedEventId = reader.Long(),
            RetryAt = reader.OptionalTime(),
        };
    }
}
