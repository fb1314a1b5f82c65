using Google.Protobuf.WellKnownTypes;
using OmniFlow.TemporalServer.Engine.StateMachines;
using OmniFlow.TemporalServer.Time;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.Failure.V1;
using Temporalio.Api.History.V1;

namespace OmniFlow.TemporalServer.Engine;

/// <summary>
/// One run's mutable state: its history and its pending entities. Every method expects the caller to hold
/// <see cref="Sync"/>; nothing here takes another run's lock (cross-run effects go through <see cref="EngineContext.Post"/>).
/// </summary>
public sealed partial class WorkflowRun
{
    private readonly EngineContext _context;
    private readonly List<HistoryEvent> _buffered = [];
    private readonly List<ClockItem> _runTimers = [];
    private readonly HashSet<string> _signalRequestIds = [];
    private bool _completingTask;
    private bool _firstTaskDelayed;

    public WorkflowRun(
        EngineContext context,
        WorkflowNamespace ns,
        string workflowId,
        string runId,
        string requestId,
        WorkflowExecutionStartedEventAttributes started)
    {
        _context = context;
        Namespace = ns;
        WorkflowId = workflowId;
        RunId = runId;
        RequestId = requestId;
        Started = started;
        Memo = started.Memo?.Clone() ?? new Memo();
        SearchAttributes = started.SearchAttributes?.Clone() ?? new SearchAttributes();
    }

    public Lock Sync { get; } = new();

    public WorkflowNamespace Namespace { get; }

    public string WorkflowId { get; }

    public string RunId { get; }

    public string RequestId { get; }

    public WorkflowExecutionStartedEventAttributes Started { get; }

    /// <summary>The start's summary and details: on the WorkflowExecutionStarted event (the HistoryEvent's user_metadata) and describe's config.</summary>
    public Temporalio.Api.Sdk.V1.UserMetadata? UserMetadata { get; init; }

    public WorkflowExecution Execution => new() { WorkflowId = WorkflowId, RunId = RunId };

    public HistoryLog History { get; } = new();

    public WorkflowExecutionStatus Status { get; private set; } = WorkflowExecutionStatus.Running;

    public bool IsOpen => Status == WorkflowExecutionStatus.Running;

    public DateTimeOffset StartTime { get; private set; }

    public DateTimeOffset ExecutionTime { get; private set; }

    public DateTimeOffset? CloseTime { get; private set; }

    public Memo Memo { get; }

    public SearchAttributes SearchAttributes { get; }

    public WorkflowTaskMachine? Task { get; private set; }

    public bool CancelRequested { get; private set; }

    /// <summary>The started event id of the last completed workflow task (the SDK's previous_started_event_id).</summary>
    public long LastCompletedStartedEventId { get; private set; }

    public string TaskQueueName => Started.TaskQueue.Name;

    private DateTimeOffset Now => _context.Clock.Now;

    /// <summary>
    /// Writes WorkflowExecutionStarted at <paramref name="startTime"/>, the clock reading the first task's delay was
    /// counted from, and schedules the first workflow task at that instant plus the delay, exactly.
    /// </summary>
    public void Start(DateTimeOffset startTime, TimeSpan firstTaskDelay, IReadOnlyList<HistoryEvent> initialEvents)
    {
        StartTime = startTime;
        ExecutionTime = StartTime + firstTaskDelay;
        if (firstTaskDelay > TimeSpan.Zero)
        {
            Started.FirstWorkflowTaskBackoff = Duration.FromTimeSpan(firstTaskDelay);
        }

        History.Append(
            new HistoryEvent
            {
                EventType = EventType.WorkflowExecutionStarted,
                WorkflowExecutionStartedEventAttributes = Started,
                UserMetadata = UserMetadata,
            },
            StartTime);
        foreach (var initial in initialEvents)
        {
            History.Append(initial, StartTime);
        }

        // The run times out its run timeout after its first workflow task is due, and never after the execution expires.
        var runTimeout = Started.WorkflowRunTimeout?.ToTimeSpan() ?? TimeSpan.Zero;
        if (runTimeout > TimeSpan.Zero)
        {
            var due = ExecutionTime + runTimeout;
            _runTimers.Add(Schedule(ExecutionExpiration is { } expiration && expiration < due ? expiration : due, TimeOut));
        }

        if (firstTaskDelay > TimeSpan.Zero)
        {
            _firstTaskDelayed = true;
            _runTimers.Add(Schedule(ExecutionTime, () =>
            {
                _firstTaskDelayed = false;
                EnsureWorkflowTask();
            }));
        }
        else
        {
            ScheduleWorkflowTask(1);
        }
    }

    /// <summary>Appends an event at the end of the history (command events, and events that need no new task).</summary>
    public HistoryEvent Append(HistoryEvent historyEvent)
    {
        LinkToPrecedingStarted(historyEvent);
        return History.Append(historyEvent, Now);
    }

    /// <summary>Marks a closing event whose started event is the one written just before it.</summary>
    private const long PendingStartedEventId = -1;

    private void LinkToPrecedingStarted(HistoryEvent historyEvent)
    {
        var previous = History.LastEventId;
        switch (historyEvent.AttributesCase)
        {
            case HistoryEvent.AttributesOneofCase.ActivityTaskCompletedEventAttributes
                when historyEvent.ActivityTaskCompletedEventAttributes.StartedEventId == PendingStartedEventId:
                historyEvent.ActivityTaskCompletedEventAttributes.StartedEventId = previous;
                break;
            case HistoryEvent.AttributesOneofCase.ActivityTaskFailedEventAttributes
                when historyEvent.ActivityTaskFailedEventAttributes.StartedEventId == PendingStartedEventId:
                historyEvent.ActivityTaskFailedEventAttributes.StartedEventId = previous;
                break;
            case HistoryEvent.AttributesOneofCase.ActivityTaskTimedOutEventAttributes
                when historyEvent.ActivityTaskTimedOutEventAttributes.StartedEventId == PendingStartedEventId:
                historyEvent.ActivityTaskTimedOutEventAttributes.StartedEventId = previous;
                break;
            case HistoryEvent.AttributesOneofCase.ActivityTaskCanceledEventAttributes
                when historyEvent.ActivityTaskCanceledEventAttributes.StartedEventId == PendingStartedEventId:
                historyEvent.ActivityTaskCanceledEventAttributes.StartedEventId = previous;
                break;
        }
    }

    /// <summary>
    /// An event the workflow must see: while a workflow task is running it is buffered (written after that task
    /// completes); otherwise it is written now and a workflow task is scheduled for it.
    /// </summary>
    public void Observe(params ReadOnlySpan<HistoryEvent?> historyEvents)
    {
        if (!IsOpen)
        {
            return;
        }

        var buffer = _completingTask || Task?.Phase == WorkflowTaskPhase.Started;
        foreach (var historyEvent in historyEvents)
        {
            if (historyEvent is null)
            {
                continue;
            }

            if (buffer)
            {
                historyEvent.EventTime ??= Timestamp.FromDateTimeOffset(Now);
                _buffered.Add(historyEvent);
            }
            else
            {
                Append(historyEvent);
            }
        }

        if (!buffer)
        {
            EnsureWorkflowTask();
        }
    }

    /// <summary>Schedules an action on the clock that runs under this run's lock.</summary>
    public ClockItem Schedule(DateTimeOffset due, Action action) =>
        _context.Clock.Schedule(due, () =>
        {
            using (Enter())
            {
                action();
            }
        });

    private bool FlushBuffered()
    {
        if (_buffered.Count == 0)
        {
            return false;
        }

        foreach (var historyEvent in _buffered)
        {
            Append(historyEvent);
        }

        _buffered.Clear();
        return true;
    }

    /// <summary>The run's timeout: retried, or followed by the next cron run, unless the whole execution has expired.</summary>
    private void TimeOut()
    {
        if (!IsOpen)
        {
            return;
        }

        var failure = new Failure { Message = "workflow timeout", TimeoutFailureInfo = new() { TimeoutType = TimeoutType.StartToClose } };
        var (successor, retryState) = ExecutionExpiration is { } expiration && expiration <= Now
            ? (null, RetryState.Timeout)
            : SuccessorAfterFailure(failure);
        var nextRunId = StartSuccessor(successor, failure, Started.LastCompletionResult);
        Close(
            new HistoryEvent
            {
                EventType = EventType.WorkflowExecutionTimedOut,
                WorkflowExecutionTimedOutEventAttributes = new() { RetryState = retryState, NewExecutionRunId = nextRunId },
            },
            WorkflowExecutionStatus.TimedOut);
    }

    public void Terminate(string reason, Payloads? details, string identity)
    {
        EnsureOpen();
        FlushBuffered();
        Close(
            new HistoryEvent
            {
                EventType = EventType.WorkflowExecutionTerminated,
                WorkflowExecutionTerminatedEventAttributes = new()
                {
                    Reason = reason ?? "",
                    Details = details,
                    Identity = identity ?? "",
                },
            },
            WorkflowExecutionStatus.Terminated);
    }

    /// <summary>Writes a signal; a client's retry of one (the same request id) is accepted and writes nothing.</summary>
    public void Signal(string signalName, Payloads? input, Header? header, string identity, string requestId = "")
    {
        EnsureOpen();
        if (requestId.Length > 0 && !_signalRequestIds.Add(requestId))
        {
            return;
        }

        Observe(new HistoryEvent
        {
            EventType = EventType.WorkflowExecutionSignaled,
            WorkflowExecutionSignaledEventAttributes = new()
            {
                SignalName = signalName,
                Input = input,
                Header = header,
                Identity = identity ?? "",
            },
        });
    }

    /// <summary>Requests cancellation; as on a real server, a request to a run that has closed succeeds and writes nothing.</summary>
    public void RequestCancel(string reason, string identity, long externalInitiatedEventId = 0, WorkflowExecution? externalExecution = null)
    {
        if (!IsOpen || CancelRequested)
        {
            return;
        }

        CancelRequested = true;
        Observe(new HistoryEvent
        {
            EventType = EventType.WorkflowExecutionCancelRequested,
            WorkflowExecutionCancelRequestedEventAttributes = new()
            {
                Cause = reason ?? "",
                Identity = identity ?? "",
                ExternalInitiatedEventId = externalInitiatedEventId,
                ExternalWorkflowExecution = externalExecution,
            },
        });
    }

    public void EnsureOpen()
    {
        if (!IsOpen)
        {
            throw Errors.NotFound("workflow execution already completed");
        }
    }

    /// <summary>The close event names the run that continues this one (continue-as-new, retry, cron).</summary>
    private static bool HasSuccessor(HistoryEvent closeEvent) => closeEvent.AttributesCase switch
    {
        HistoryEvent.AttributesOneofCase.WorkflowExecutionContinuedAsNewEventAttributes => true,
        HistoryEvent.AttributesOneofCase.WorkflowExecutionCompletedEventAttributes =>
            closeEvent.WorkflowExecutionCompletedEventAttributes.NewExecutionRunId.Length > 0,
        HistoryEvent.AttributesOneofCase.WorkflowExecutionFailedEventAttributes =>
            closeEvent.WorkflowExecutionFailedEventAttributes.NewExecutionRunId.Length > 0,
        HistoryEvent.AttributesOneofCase.WorkflowExecutionTimedOutEventAttributes =>
            closeEvent.WorkflowExecutionTimedOutEventAttributes.NewExecutionRunId.Length > 0,
        _ => false,
    };

    /// <summary>Ends the run with its close event: every pending entity stops and waiters are told.</summary>
    private void Close(HistoryEvent closeEvent, WorkflowExecutionStatus status)
    {
        _buffered.Clear();
        Append(closeEvent);
        Status = status;
        CloseTime = Now;
        if (Task is not null)
        {
            Task.End(WorkflowTaskEvent.RunClosed);
            Task = null;
            if (!_completingTask)
            {
                _context.Clock.EndWork();
            }
        }

        foreach (var item in _runTimers)
        {
            item.Cancel();
        }

        CloseActivities();
        CloseTimers();
        CloseChildren();
        AbortUpdates(newRun: HasSuccessor(closeEvent));
        NotifyParent(closeEvent);
        DispatchQueries();
        _context.RunClosed?.Invoke(this, closeEvent);
    }
}
