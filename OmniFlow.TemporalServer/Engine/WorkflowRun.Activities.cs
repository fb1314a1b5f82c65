using Google.Protobuf.WellKnownTypes;
using OmniFlow.TemporalServer.Engine.StateMachines;
using Temporalio.Api.Command.V1;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.Failure.V1;
using Temporalio.Api.History.V1;
using Temporalio.Api.TaskQueue.V1;
using Temporalio.Api.WorkflowService.V1;

namespace OmniFlow.TemporalServer.Engine;

public sealed partial class WorkflowRun
{
    private readonly Dictionary<long, ActivityMachine> _activities = [];

    public IReadOnlyCollection<ActivityMachine> PendingActivities => _activities.Values;

    private void ScheduleActivity(ScheduleActivityTaskCommandAttributes command, long completedEventId, Temporalio.Api.Sdk.V1.UserMetadata? userMetadata)
    {
        var scheduleToClose = command.ScheduleToCloseTimeout?.ToTimeSpan() ?? TimeSpan.Zero;
        var startToClose = command.StartToCloseTimeout?.ToTimeSpan() ?? TimeSpan.Zero;
        var scheduleToStart = command.ScheduleToStartTimeout?.ToTimeSpan() ?? TimeSpan.Zero;
        if (startToClose <= TimeSpan.Zero)
        {
            startToClose = scheduleToClose;
        }

        if (scheduleToStart <= TimeSpan.Zero || (scheduleToClose > TimeSpan.Zero && scheduleToStart > scheduleToClose))
        {
            scheduleToStart = scheduleToClose;
        }

        var attributes = new ActivityTaskScheduledEventAttributes
        {
            ActivityId = command.ActivityId,
            ActivityType = command.ActivityType,
            TaskQueue = new TaskQueue
            {
                Name = string.IsNullOrEmpty(command.TaskQueue?.Name) ? TaskQueueName : command.TaskQueue.Name,
                Kind = TaskQueueKind.Normal,
            },
            Header = command.Header,
            Input = command.Input,
            ScheduleToCloseTimeout = Duration.FromTimeSpan(scheduleToClose),
            ScheduleToStartTimeout = Duration.FromTimeSpan(scheduleToStart),
            StartToCloseTimeout = Duration.FromTimeSpan(startToClose),
            HeartbeatTimeout = command.HeartbeatTimeout ?? Duration.FromTimeSpan(TimeSpan.Zero),
            WorkflowTaskCompletedEventId = completedEventId,
            RetryPolicy = RetryPolicies.WithDefaults(command.RetryPolicy),
            Priority = command.Priority,
        };
        var scheduled = Append(new HistoryEvent
        {
            EventType = EventType.ActivityTaskScheduled,
            ActivityTaskScheduledEventAttributes = attributes,
            UserMetadata = userMetadata,
        });
        var activity = new ActivityMachine(scheduled.EventId, attributes, Now);
        _activities[scheduled.EventId] = activity;
        if (activity.ScheduleToCloseDeadline is { } deadline)
        {
            activity.ScheduleToCloseTimer = Schedule(deadline, () => TimeOutActivity(activity, TimeoutType.ScheduleToClose));
        }

        DispatchActivityAttempt(activity);
    }

    private void DispatchActivityAttempt(ActivityMachine activity)
    {
        _context.Clock.BeginWork();
        var scheduleToStart = activity.Attributes.ScheduleToStartTimeout.ToTimeSpan();
        if (scheduleToStart > TimeSpan.Zero)
        {
            var attempt = activity.Attempt;
            activity.AddAttemptTimer(Schedule(activity.AttemptScheduledTime + scheduleToStart, () =>
            {
                if (activity.Allows(ActivityEvent.ScheduleToStartTimeout, attempt))
                {
                    TimeOutActivity(activity, TimeoutType.ScheduleToStart);
                }
            }));
        }

        _context.ActivityQueues.Get(Namespace.Name, activity.Attributes.TaskQueue.Name)
            .Add(new ActivityDispatch(this, activity.ScheduledEventId, activity.Attempt));
    }

    /// <summary>Starts the dispatched attempt for a poller; null when it went stale meanwhile.</summary>
    public PollActivityTaskQueueResponse? TryStartActivity(ActivityDispatch dispatch, string identity, string requestId)
    {
        if (!IsOpen || !_activities.TryGetValue(dispatch.ScheduledEventId, out var activity) ||
            !activity.Allows(ActivityEvent.Start, dispatch.Attempt))
        {
            return null;
        }

        activity.Start(identity ?? "", requestId, Now);
        ArmStartedAttempt(activity, Now);
        var attributes = activity.Attributes;
        var attempt = activity.Attempt;
        var token = new TaskToken(TaskTokenKind.ActivityTask, Namespace.Name, WorkflowId, RunId, activity.ScheduledEventId, attempt);
        return new PollActivityTaskQueueResponse
        {
            TaskToken = token.ToByteString(),
            WorkflowNamespace = Namespace.Name,
            WorkflowType = Started.WorkflowType,
            WorkflowExecution = Execution,
            ActivityType = attributes.ActivityType,
            ActivityId = attributes.ActivityId,
            Header = attributes.Header,
            Input = attributes.Input,
            HeartbeatDetails = activity.HeartbeatDetails,
            ScheduledTime = Timestamp.FromDateTimeOffset(activity.ScheduledTime),
            CurrentAttemptScheduledTime = Timestamp.FromDateTimeOffset(activity.AttemptScheduledTime),
            StartedTime = Timestamp.FromDateTimeOffset(Now),
            Attempt = attempt,
            ScheduleToCloseTimeout = attributes.ScheduleToCloseTimeout,
            StartToCloseTimeout = attributes.StartToCloseTimeout,
            HeartbeatTimeout = attributes.HeartbeatTimeout,
            RetryPolicy = attributes.RetryPolicy,
            Priority = attributes.Priority,
        };
    }

    /// <summary>A started attempt times out start-to-close after its start, and heartbeat after the last beat (or its start).</summary>
    private void ArmStartedAttempt(ActivityMachine activity, DateTimeOffset lastHeartbeat)
    {
        var attempt = activity.Attempt;
        var startToClose = activity.Attributes.StartToCloseTimeout.ToTimeSpan();
        if (startToClose > TimeSpan.Zero)
        {
            activity.AddAttemptTimer(Schedule(activity.StartedTime!.Value + startToClose, () =>
            {
                if (activity.Allows(ActivityEvent.StartToCloseTimeout, attempt))
                {
                    TimeOutActivity(activity, TimeoutType.StartToClose);
                }
            }));
        }

        activity.Heartbeat(null, lastHeartbeat, ScheduleHeartbeatTimeout(activity, lastHeartbeat));
    }

    private Time.ClockItem? ScheduleHeartbeatTimeout(ActivityMachine activity, DateTimeOffset from)
    {
        var heartbeatTimeout = activity.Attributes.HeartbeatTimeout?.ToTimeSpan() ?? TimeSpan.Zero;
        if (heartbeatTimeout <= TimeSpan.Zero)
        {
            return null;
        }

        var attempt = activity.Attempt;
        return Schedule(from + heartbeatTimeout, () =>
        {
            if (activity.Allows(ActivityEvent.HeartbeatTimeout, attempt))
            {
                TimeOutActivity(activity, TimeoutType.Heartbeat);
            }
        });
    }

    public ActivityMachine RequireActivity(TaskToken token)
    {
        if (!IsOpen || !_activities.TryGetValue(token.ScheduledEventId, out var activity) || !activity.Matches(token))
        {
            throw Errors.NotFound("Activity task not found.");
        }

        return activity;
    }

    /// <summary>The token of the running attempt of an activity named by its id (the *ById calls).</summary>
    public TaskToken TokenForActivityId(string activityId)
    {
        var activity = IsOpen
            ? _activities.Values.FirstOrDefault(a => a.Attributes.ActivityId == activityId && a.Phase == ActivityPhase.Started)
            : null;
        return activity is null
            ? throw Errors.NotFound("Activity task not found.")
            : new TaskToken(TaskTokenKind.ActivityTask, Namespace.Name, WorkflowId, RunId, activity.ScheduledEventId, activity.Attempt);
    }

    public RecordActivityTaskHeartbeatResponse HeartbeatActivity(TaskToken token, Payloads? details)
    {
        var activity = RequireActivity(token);
        activity.Heartbeat(details, Now, ScheduleHeartbeatTimeout(activity, Now));
        return new RecordActivityTaskHeartbeatResponse { CancelRequested = activity.CancelRequested };
    }

    public void CompleteActivity(TaskToken token, Payloads? result, string identity)
    {
        var activity = RequireActivity(token);
        var started = EndActivity(activity, ActivityEvent.Complete, identity);
        Observe(started, new HistoryEvent
        {
            EventType = EventType.ActivityTaskCompleted,
            ActivityTaskCompletedEventAttributes = new()
            {
                Result = result,
                ScheduledEventId = activity.ScheduledEventId,
                StartedEventId = started is null ? 0 : PendingStartedEventId,
                Identity = identity ?? "",
            },
        });
    }

    public void FailActivity(TaskToken token, Failure failure, Payloads? lastHeartbeatDetails, string identity)
    {
        var activity = RequireActivity(token);
        activity.RecordHeartbeatDetails(lastHeartbeatDetails);
        var (backoff, retryState) = activity.NextRetry(failure, Now);
        if (backoff is { } delay)
        {
            RetryActivity(activity, failure, delay);
            return;
        }

        var started = EndActivity(activity, ActivityEvent.Fail, identity, failure);
        Observe(started, new HistoryEvent
        {
            EventType = EventType.ActivityTaskFailed,
            ActivityTaskFailedEventAttributes = new()
            {
                Failure = failure,
                ScheduledEventId = activity.ScheduledEventId,
                StartedEventId = started is null ? 0 : PendingStartedEventId,
                Identity = identity ?? "",
                RetryState = retryState,
            },
        });
    }

    public void CancelActivity(TaskToken token, Payloads? details, string identity)
    {
        var activity = RequireActivity(token);
        var started = EndActivity(activity, ActivityEvent.Cancel, identity);
        Observe(started, new HistoryEvent
        {
            EventType = EventType.ActivityTaskCanceled,
            ActivityTaskCanceledEventAttributes = new()
            {
                Details = details,
                LatestCancelRequestedEventId = activity.CancelRequestedEventId,
                ScheduledEventId = activity.ScheduledEventId,
                StartedEventId = started is null ? 0 : PendingStartedEventId,
                Identity = identity ?? "",
            },
        });
    }

    private void RequestCancelActivity(long scheduledEventId, long completedEventId)
    {
        _activities.TryGetValue(scheduledEventId, out var activity);
        var requested = Append(new HistoryEvent
        {
            EventType = EventType.ActivityTaskCancelRequested,
            ActivityTaskCancelRequestedEventAttributes = new()
            {
                ScheduledEventId = scheduledEventId,
                WorkflowTaskCompletedEventId = completedEventId,
            },
        });
        if (activity is null)
        {
            // The activity ended while this workflow task was in flight (its end is buffered, validation checked): as on
            // a real server, the request is written and the buffered end follows it; nothing else happens.
            return;
        }

        if (activity.RequestCancel(requested.EventId))
        {
            return;
        }

        // Not running: the cancellation takes effect at once, as no worker has to acknowledge it.
        EndActivity(activity, ActivityEvent.CancelRequested, "", writeStarted: false);
        Observe(null, new HistoryEvent
        {
            EventType = EventType.ActivityTaskCanceled,
            ActivityTaskCanceledEventAttributes = new()
            {
                LatestCancelRequestedEventId = requested.EventId,
                ScheduledEventId = scheduledEventId,
            },
        });
    }

    /// <summary>The activity ended (completed, failed, timed out, canceled) while a workflow task was in flight.</summary>
    private bool HasBufferedActivityEnd(long scheduledEventId) => _buffered.Any(e => e.AttributesCase switch
    {
        HistoryEvent.AttributesOneofCase.ActivityTaskCompletedEventAttributes => e.ActivityTaskCompletedEventAttributes.ScheduledEventId == scheduledEventId,
        HistoryEvent.AttributesOneofCase.ActivityTaskFailedEventAttributes => e.ActivityTaskFailedEventAttributes.ScheduledEventId == scheduledEventId,
        HistoryEvent.AttributesOneofCase.ActivityTaskTimedOutEventAttributes => e.ActivityTaskTimedOutEventAttributes.ScheduledEventId == scheduledEventId,
        HistoryEvent.AttributesOneofCase.ActivityTaskCanceledEventAttributes => e.ActivityTaskCanceledEventAttributes.ScheduledEventId == scheduledEventId,
        _ => false,
    });

    private void RetryActivity(ActivityMachine activity, Failure failure, TimeSpan backoff)
    {
        var wasInFlight = activity.InFlight;
        activity.BeginBackoff(failure, Now + backoff);
        ArmRetry(activity);
        if (wasInFlight)
        {
            _context.Clock.EndWork();
        }
    }

    private void ArmRetry(ActivityMachine activity)
    {
        var attempt = activity.Attempt;
        activity.AddAttemptTimer(Schedule(activity.RetryAt!.Value, () =>
        {
            if (IsOpen && activity.Allows(ActivityEvent.RetryDue, attempt) &&
                _activities.ContainsKey(activity.ScheduledEventId))
            {
                activity.BeginNextAttempt(Now);
                DispatchActivityAttempt(activity);
            }
        }));
    }

    private void TimeOutActivity(ActivityMachine activity, TimeoutType timeoutType)
    {
        if (!IsOpen || !_activities.ContainsKey(activity.ScheduledEventId))
        {
            return;
        }

        var failure = new Failure
        {
            Message = $"activity {TimeoutName(timeoutType)} timeout",
            TimeoutFailureInfo = new TimeoutFailureInfo
            {
                TimeoutType = timeoutType,
                LastHeartbeatDetails = activity.HeartbeatDetails,
            },
        };
        // Schedule-to-start and schedule-to-close timeouts end the activity; the others are retried while the policy
        // and the schedule-to-close deadline allow, and say why they were not.
        var retryState = RetryState.Timeout;
        if (timeoutType is TimeoutType.StartToClose or TimeoutType.Heartbeat)
        {
            (var backoff, retryState) = activity.NextRetry(failure, Now);
            if (backoff is { } delay)
            {
                RetryActivity(activity, failure, delay);
                return;
            }
        }
        else if (activity.LastFailure is not null)
        {
            failure.Cause = activity.LastFailure;
        }

        var wasStarted = activity.Phase == ActivityPhase.Started;
        var started = EndActivity(activity, TimeoutEvent(timeoutType), activity.Identity, failure, writeStarted: wasStarted || activity.Attempt > 1);
        Observe(started, new HistoryEvent
        {
            EventType = EventType.ActivityTaskTimedOut,
            ActivityTaskTimedOutEventAttributes = new()
            {
                Failure = failure,
                ScheduledEventId = activity.ScheduledEventId,
                StartedEventId = started is null ? 0 : PendingStartedEventId,
                RetryState = retryState,
            },
        });
    }

    private static ActivityEvent TimeoutEvent(TimeoutType type) => type switch
    {
        TimeoutType.StartToClose => ActivityEvent.StartToCloseTimeout,
        TimeoutType.ScheduleToStart => ActivityEvent.ScheduleToStartTimeout,
        TimeoutType.Heartbeat => ActivityEvent.HeartbeatTimeout,
        _ => ActivityEvent.ScheduleToCloseTimeout,
    };

    private static string TimeoutName(TimeoutType type) => type switch
    {
        TimeoutType.StartToClose => "StartToClose",
        TimeoutType.ScheduleToStart => "ScheduleToStart",
        TimeoutType.ScheduleToClose => "ScheduleToClose",
        TimeoutType.Heartbeat => "Heartbeat",
        _ => type.ToString(),
    };

    /// <summary>
    /// Removes the activity and builds its ActivityTaskStarted (for the last attempt, carrying its number and the
    /// previous attempt's failure), written together with the closing event that follows it.
    /// </summary>
    private HistoryEvent? EndActivity(
        ActivityMachine activity, ActivityEvent how, string identity, Failure? lastFailure = null, bool writeStarted = true)
    {
        if (activity.InFlight)
        {
            _context.Clock.EndWork();
        }

        activity.End(how);
        _activities.Remove(activity.ScheduledEventId);
        if (!writeStarted)
        {
            return null;
        }

        return new HistoryEvent
        {
            EventType = EventType.ActivityTaskStarted,
            ActivityTaskStartedEventAttributes = new()
            {
                ScheduledEventId = activity.ScheduledEventId,
                Identity = string.IsNullOrEmpty(identity) ? activity.Identity : identity,
                RequestId = activity.RequestId,
                Attempt = activity.Attempt,
                LastFailure = activity.Attempt > 1 ? activity.LastFailure ?? lastFailure : null,
            },
        };
    }

    private void CloseActivities()
    {
        foreach (var activity in _activities.Values)
        {
            if (activity.InFlight)
            {
                _context.Clock.EndWork();
            }

            activity.End(ActivityEvent.RunClosed);
        }

        _activities.Clear();
    }
}
