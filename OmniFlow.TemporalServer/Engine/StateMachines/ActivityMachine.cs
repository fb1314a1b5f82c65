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
}

/// <summary>
/// One activity: attempts cycle Scheduled → Started → (BackingOff → Scheduled)* until it completes, fails, times out or
/// is canceled. Attempts are not written to history; only the last one is, when the activity ends.
/// </summary>
public sealed class ActivityMachine(long scheduledEventId, ActivityTaskScheduledEventAttributes attributes, DateTimeOffset scheduledTime)
{
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

    public bool Matches(TaskToken token) =>
        Phase == ActivityPhase.Started && token.ScheduledEventId == ScheduledEventId && token.Attempt == Attempt;

    public void Start(string identity, string requestId, DateTimeOffset now)
    {
        Phase = ActivityPhase.Started;
        Identity = identity;
        RequestId = requestId;
        StartedTime = now;
        CancelAttemptTimers();
    }

    public void AddAttemptTimer(ClockItem item) => _attemptTimers.Add(item);

    public void Heartbeat(Payloads? details, DateTimeOffset now, ClockItem? nextHeartbeatTimeout)
    {
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
        LastFailure = failure;
        RetryAt = retryAt;
        Phase = ActivityPhase.BackingOff;
        CancelAttemptTimers();
    }

    public void BeginNextAttempt(DateTimeOffset now)
    {
        Attempt++;
        RetryAt = null;
        Phase = ActivityPhase.Scheduled;
        AttemptScheduledTime = now;
        StartedTime = null;
    }

    public void RequestCancel(long cancelRequestedEventId) => CancelRequestedEventId = cancelRequestedEventId;

    public void End()
    {
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
