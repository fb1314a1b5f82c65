using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Logging;
using OmniFlow.TemporalServer.Engine.StateMachines;
using Temporalio.Api.Command.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.Failure.V1;
using Temporalio.Api.History.V1;
using Temporalio.Api.TaskQueue.V1;
using Temporalio.Api.WorkflowService.V1;

namespace OmniFlow.TemporalServer.Engine;

public sealed partial class WorkflowRun
{
    private static readonly TimeSpan DefaultWorkflowTaskTimeout = TimeSpan.FromSeconds(10);

    private TimeSpan WorkflowTaskTimeout =>
        Started.WorkflowTaskTimeout?.ToTimeSpan() is { } timeout && timeout > TimeSpan.Zero
            ? timeout
            : DefaultWorkflowTaskTimeout;

    /// <summary>Schedules a workflow task if none is pending; a speculative one when it is only to carry updates.</summary>
    private void EnsureWorkflowTask(bool speculative = false)
    {
        if (IsOpen && Task is null && !_firstTaskDelayed && !_completingTask)
        {
            ScheduleWorkflowTask(1, speculative);
        }
    }

    /// <summary>The worker's sticky queue (its cache of this run), while it wants tasks there.</summary>
    private string? _stickyQueue;
    private TimeSpan _stickyScheduleToStart;

    public void ResetStickiness() => _stickyQueue = null;

    private HistoryEvent WorkflowTaskScheduledEvent(int attempt) => new()
    {
        EventType = EventType.WorkflowTaskScheduled,
        WorkflowTaskScheduledEventAttributes = new()
        {
            TaskQueue = new TaskQueue { Name = TaskQueueName, Kind = TaskQueueKind.Normal },
            StartToCloseTimeout = Duration.FromTimeSpan(WorkflowTaskTimeout),
            Attempt = attempt,
        },
    };

    /// <summary>Schedules a workflow task; a retry (attempt ≥ 2) is transient and a speculative task writes nothing yet.</summary>
    private void ScheduleWorkflowTask(int attempt, bool speculative = false)
    {
        var scheduledEventId = attempt > 1 || speculative ? History.LastEventId + 1 : Append(WorkflowTaskScheduledEvent(attempt)).EventId;
        var task = new WorkflowTaskMachine(scheduledEventId, attempt, Now, speculative);
        Task = task;
        _context.Clock.BeginWork();
        if (_stickyQueue is { } sticky && !_context.WorkflowQueues.Get(Namespace.Name, sticky).Add(new WorkflowTaskDispatch(this, scheduledEventId, attempt, Sticky: true)))
        {
            // The worker behind the sticky queue has shut down.
            _stickyQueue = null;
        }

        if (_stickyQueue is not null)
        {
            // A worker that stopped polling its sticky queue loses the task to the normal queue after a while.
            Schedule(Now + _stickyScheduleToStart, () =>
            {
                if (ReferenceEquals(Task, task) && task.Allows(WorkflowTaskEvent.LeaveStickyQueue))
                {
                    task.LeaveStickyQueue();
                    _stickyQueue = null;
                    _context.WorkflowQueues.Get(Namespace.Name, TaskQueueName).Add(new WorkflowTaskDispatch(this, task.ScheduledEventId, task.Attempt));
                }
            });
            return;
        }

        _context.WorkflowQueues.Get(Namespace.Name, TaskQueueName).Add(new WorkflowTaskDispatch(this, scheduledEventId, attempt));
    }

    /// <summary>The sticky queue of this task's dispatch was closed (its worker shut down): the task goes to the normal queue.</summary>
    public void LoseStickyDispatch(WorkflowTaskDispatch dispatch)
    {
        if (IsOpen && Task is { } task && task.Matches(dispatch.ScheduledEventId, dispatch.Attempt, WorkflowTaskEvent.LeaveStickyQueue))
        {
            task.LeaveStickyQueue();
            _stickyQueue = null;
            _context.WorkflowQueues.Get(Namespace.Name, TaskQueueName).Add(new WorkflowTaskDispatch(this, task.ScheduledEventId, task.Attempt));
        }
    }

    /// <summary>Starts the dispatched task for a poller; null when the dispatch went stale meanwhile.</summary>
    public PollWorkflowTaskQueueResponse? TryStartWorkflowTask(WorkflowTaskDispatch dispatch, string identity, string requestId)
    {
        if (!IsOpen || Task is not { } task || !task.Matches(dispatch.ScheduledEventId, dispatch.Attempt, WorkflowTaskEvent.Start) ||
            (dispatch.Sticky && _stickyQueue is null))
        {
            return null;
        }

        if (task.Unwritten && task.ScheduledEventId != History.LastEventId + 1)
        {
            // Events were written while the retry or speculative task waited: it is written as a first attempt.
            task.BecomeNormal(Append(WorkflowTaskScheduledEvent(1)).EventId);
        }

        var started = new HistoryEvent
        {
            EventType = EventType.WorkflowTaskStarted,
            WorkflowTaskStartedEventAttributes = new()
            {
                ScheduledEventId = task.ScheduledEventId,
                Identity = identity ?? "",
                RequestId = requestId,
                HistorySizeBytes = HistorySizeBytes(),
            },
        };
        SuggestContinueAsNew(started.WorkflowTaskStartedEventAttributes);
        IReadOnlyList<HistoryEvent> unwritten = [];
        if (task.Unwritten)
        {
            var scheduled = WorkflowTaskScheduledEvent(task.Attempt);
            Stamp(scheduled, task.ScheduledEventId, task.ScheduledTime);
            Stamp(started, task.ScheduledEventId + 1, Now);
            unwritten = [scheduled, started];
        }
        else
        {
            Append(started);
        }

        var timeout = Schedule(Now + WorkflowTaskTimeout, () => TimeOutWorkflowTask(task));
        task.Start(started.EventId, Now, timeout, unwritten);

        var token = new TaskToken(TaskTokenKind.WorkflowTask, Namespace.Name, WorkflowId, RunId, task.ScheduledEventId, task.Attempt);
        var response = new PollWorkflowTaskQueueResponse
        {
            TaskToken = token.ToByteString(),
            WorkflowExecution = Execution,
            WorkflowType = Started.WorkflowType,
            PreviousStartedEventId = LastCompletedStartedEventId,
            StartedEventId = started.EventId,
            Attempt = task.Attempt,
            // On the sticky queue the worker has the run cached: it gets only what happened since its last task.
            History = History.Slice(dispatch.Sticky ? LastCompletedStartedEventId + 1 : 1, History.LastEventId),
            WorkflowExecutionTaskQueue = new TaskQueue { Name = TaskQueueName, Kind = TaskQueueKind.Normal },
            ScheduledTime = Timestamp.FromDateTimeOffset(task.ScheduledTime),
            StartedTime = Timestamp.FromDateTimeOffset(task.StartedTime),
        };
        response.History.Events.Add(unwritten.Select(e => e.Clone()));
        response.Messages.Add(SendUpdates(started.EventId));
        return response;
    }

    private static void Stamp(HistoryEvent historyEvent, long eventId, DateTimeOffset time)
    {
        historyEvent.EventId = eventId;
        historyEvent.TaskId = eventId;
        historyEvent.EventTime = Timestamp.FromDateTimeOffset(time);
    }

    /// <summary>
    /// A transient task that completes, or a speculative one that completes (and is not discarded), fails or times out,
    /// is written now: its Scheduled and Started events, then what follows.
    /// </summary>
    private void WriteUnwrittenEvents(WorkflowTaskMachine task)
    {
        if (!task.Unwritten)
        {
            return;
        }

        var scheduled = Append(task.UnwrittenEvents[0].Clone());
        var started = task.UnwrittenEvents[1].Clone();
        started.WorkflowTaskStartedEventAttributes.ScheduledEventId = scheduled.EventId;
        Append(started);
        task.Written(scheduled.EventId, started.EventId);
    }

    private long HistorySizeBytes() => History.Events.Sum(e => (long)e.CalculateSize());

    private WorkflowTaskMachine RequireTask(TaskToken token)
    {
        if (!IsOpen || Task is not { } task || !task.Matches(token))
        {
            throw Errors.NotFound("Workflow task not found.");
        }

        return task;
    }

    public RespondWorkflowTaskCompletedResponse CompleteWorkflowTask(TaskToken token, RespondWorkflowTaskCompletedRequest request)
    {
        var task = RequireTask(token);
        var closesRun = request.Commands.Any(c => IsClosingCommand(c.CommandType));
        if (closesRun && (UnseenEventsAfter(request.Commands) > 0 || HasUnsentUpdates))
        {
            // The workflow decided to close without seeing events or updates that arrived meanwhile: let it see them first.
            FailTask(task, WorkflowTaskFailedCause.UnhandledCommand, null, request.Identity);

            // The real server's answer, which the SDK recognises: it evicts the run from its cache and polls again.
            throw Errors.InvalidArgument("UnhandledCommand");
        }

        // Commands, then the update messages, are checked against the run's state before anything is applied.
        if ((CommandValidation.Validate(request.Commands, Namespace.SearchAttributes, Namespace.Name)
            ?? CheckCommandsAgainstState(request.Commands)
            ?? ValidateUpdateMessages(request)) is { } rejection)
        {
            // As on a real server, a retry rejected again is dropped: it is retried after its timeout, not at once.
            if (task.Attempt == 1)
            {
                FailTask(task, rejection.Cause, new Failure { Message = rejection.Message }, request.Identity);
            }

            throw Errors.InvalidArgument(rejection.Message);
        }

        if (IsDiscardable(task, request))
        {
            return DiscardSpeculativeTask(task, request);
        }

        task.End(WorkflowTaskEvent.Complete);
        Task = null;
        _completingTask = true;
        try
        {
            WriteUnwrittenEvents(task);
            var completed = Append(new HistoryEvent
            {
                EventType = EventType.WorkflowTaskCompleted,
                WorkflowTaskCompletedEventAttributes = new()
                {
                    ScheduledEventId = task.ScheduledEventId,
                    StartedEventId = task.StartedEventId,
                    Identity = request.Identity ?? "",
                    BinaryChecksum = request.BinaryChecksum ?? "",
                    SdkMetadata = request.SdkMetadata,
                    MeteringMetadata = request.MeteringMetadata,
                    WorkerVersion = request.WorkerVersionStamp,
                    Deployment = request.Deployment,
                    VersioningBehavior = request.VersioningBehavior,
                    WorkerDeploymentName = request.DeploymentOptions?.DeploymentName ?? "",
                    DeploymentVersion = DeploymentVersionOf(request),
                },
            });
            LastCompletedStartedEventId = task.StartedEventId;
            RememberStickyQueue(request);

            BeginUpdateMessages(request.Messages);
            foreach (var command in request.Commands)
            {
                if (!IsOpen)
                {
                    break;
                }

                ApplyCommand(command, completed.EventId);
            }

            FinishUpdateMessages(request.Messages);

            foreach (var result in request.QueryResults)
            {
                AnswerQuery(result.Key, result.Value);
            }
        }
        finally
        {
            _completingTask = false;
        }

        if (IsOpen)
        {
            // A task only for updates admitted meanwhile is speculative, as on a real server.
            var flushed = FlushBuffered();
            if (flushed || request.ForceCreateNewWorkflowTask || HasUnsentUpdates)
            {
                EnsureWorkflowTask(speculative: !flushed && !request.ForceCreateNewWorkflowTask);
            }
        }

        _context.Clock.EndWork();
        DispatchQueries();
        return new RespondWorkflowTaskCompletedResponse();
    }

    /// <summary>The worker's sticky queue, if the completion asks for one, takes the run's next tasks.</summary>
    private void RememberStickyQueue(RespondWorkflowTaskCompletedRequest request)
    {
        if (request.StickyAttributes?.WorkerTaskQueue?.Name is { Length: > 0 } sticky)
        {
            _stickyQueue = sticky;
            _stickyScheduleToStart = request.StickyAttributes.ScheduleToStartTimeout?.ToTimeSpan() is { } timeout && timeout > TimeSpan.Zero
                ? timeout
                : TimeSpan.FromSeconds(5);
        }
        else
        {
            _stickyQueue = null;
        }
    }

    public void FailWorkflowTask(TaskToken token, RespondWorkflowTaskFailedRequest request)
    {
        var task = RequireTask(token);
        FailTask(task, request.Cause, request.Failure, request.Identity);
    }

    private void FailTask(WorkflowTaskMachine task, WorkflowTaskFailedCause cause, Failure? failure, string? identity)
    {
        task.End(WorkflowTaskEvent.Fail);
        Task = null;
        WriteSpeculativeEvents(task);
        if (!task.Transient)
        {
            Append(new HistoryEvent
            {
                EventType = EventType.WorkflowTaskFailed,
                WorkflowTaskFailedEventAttributes = new()
                {
                    ScheduledEventId = task.ScheduledEventId,
                    StartedEventId = task.StartedEventId,
                    Cause = cause,
                    Failure = failure,
                    Identity = identity ?? "",
                },
            });
        }

        RetryWorkflowTask(task);
        _context.Clock.EndWork();
    }

    private void TimeOutWorkflowTask(WorkflowTaskMachine task)
    {
        if (!IsOpen || !ReferenceEquals(Task, task) || !task.Allows(WorkflowTaskEvent.TimeOut))
        {
            return;
        }

        LogWorkflowTaskTimedOut(_context.Logger, WorkflowId, RunId, task.ScheduledEventId, task.Attempt, task.StartedTime, WorkflowTaskTimeout);
        task.End(WorkflowTaskEvent.TimeOut);
        Task = null;
        WriteSpeculativeEvents(task);
        if (!task.Transient)
        {
            Append(new HistoryEvent
            {
                EventType = EventType.WorkflowTaskTimedOut,
                WorkflowTaskTimedOutEventAttributes = new()
                {
                    ScheduledEventId = task.ScheduledEventId,
                    StartedEventId = task.StartedEventId,
                    TimeoutType = TimeoutType.StartToClose,
                },
            });
        }

        RetryWorkflowTask(task);
        _context.Clock.EndWork();
    }

    /// <summary>A worker took the task and did not answer in time: it died, hung, or never got the poll's answer.</summary>
    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Workflow task {ScheduledEventId} (attempt {Attempt}) of {WorkflowId} run {RunId}, started at {StartedTime:O}, timed out after {Timeout}")]
    private static partial void LogWorkflowTaskTimedOut(
        ILogger logger, string workflowId, string runId, long scheduledEventId, int attempt, DateTimeOffset startedTime, TimeSpan timeout);

    /// <summary>
    /// Schedules the next attempt after a failure or timeout. As on a real server, a task that failed on the sticky
    /// queue is first retried as attempt 1 on the normal queue, and events written meanwhile make the retry an
    /// ordinary first attempt rather than a transient one.
    /// </summary>
    private void RetryWorkflowTask(WorkflowTaskMachine failed)
    {
        var nextAttempt = _stickyQueue is null ? failed.Attempt + 1 : 1;
        _stickyQueue = null;
        if (FlushBuffered())
        {
            nextAttempt = 1;
        }

        ScheduleWorkflowTask(nextAttempt);
    }

    private static bool IsClosingCommand(CommandType type) => type is CommandType.CompleteWorkflowExecution
        or CommandType.FailWorkflowExecution
        or CommandType.CancelWorkflowExecution
        or CommandType.ContinueAsNewWorkflowExecution;
}
