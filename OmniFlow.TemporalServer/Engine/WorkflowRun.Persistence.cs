using Google.Protobuf;
using OmniFlow.TemporalServer.Engine.StateMachines;
using OmniFlow.TemporalServer.Persistence;
using Temporalio.Api.Command.V1;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.History.V1;

namespace OmniFlow.TemporalServer.Engine;

/// <summary>
/// A run as the store keeps it: its history (appended events) and a snapshot of the rest of its mutable state — what
/// history does not say (request ids, buffered events, attempts, pending timers, updates). Restoring reads the snapshot
/// without arming anything; <see cref="Resume"/> then puts its timers back on the clock and its tasks back in their queues.
/// </summary>
public sealed partial class WorkflowRun : IStored
{
    /// <summary>2: a workflow task records whether it is speculative (1 is read as never).</summary>
    private const int StateVersion = 2;

    private bool _changePending;
    private long _storedEvents;
    private List<Action>? _resume;

    /// <summary>The run's key in the store: its creation order, so the latest run of a workflow id is its current one.</summary>
    public long StoreKey { get; init; }

    /// <summary>Takes the run's lock to change it; a durable store hears of the change (once until it captures the run).</summary>
    public Lock.Scope Enter()
    {
        var scope = Sync.EnterScope();
        if (!_changePending && _context.Store.Durable)
        {
            _changePending = true;
            _context.Store.Changed(this);
        }

        return scope;
    }

    StoredChange IStored.Capture()
    {
        lock (Sync)
        {
            _changePending = false;
            var first = _storedEvents + 1;
            var events = new List<byte[]>((int)Math.Max(0, History.LastEventId - _storedEvents));
            for (var id = first; id <= History.LastEventId; id++)
            {
                events.Add(History[id].ToByteArray());
            }

            _storedEvents = History.LastEventId;
            return new RunChange(StoreKey, Namespace.Name, WorkflowId, RunId, WriteState(), first, events);
        }
    }

    private byte[] WriteState()
    {
        var writer = new StateWriter()
            .Write(StateVersion).Write(RequestId).Write(Parent is not null);
        if (Parent is { } parent)
        {
            writer.Write(parent.Namespace).Write(parent.Execution).Write(parent.InitiatedEventId);
        }

        writer.Write((int)Status).Write(StartTime).Write(ExecutionTime).Write(CloseTime)
            .Write(Memo).Write(SearchAttributes).Write(CancelRequested).Write(LastCompletedStartedEventId).Write(_firstTaskDelayed)
            .WriteAll(_signalRequestIds, (w, id) => w.Write(id))
            .WriteAll(_buffered, (w, e) => w.Write(e))
            .Write(Task is not null);
        Task?.Write(writer);
        writer.WriteAll(_activities.Values, (w, a) => a.Write(w))
            .WriteAll(_timers.Values, (w, t) => w.Write(t.TimerId).Write(t.StartedEventId).Write(t.FireItem.Due))
            .WriteAll(_children.Values, WriteChild)
            .WriteAll(_updates.Values.Where(u => u.Phase != UpdatePhase.Rejected).ToList(), (w, u) => u.Write(w));
        return writer.ToArray();
    }

    private void WriteChild(StateWriter writer, ChildWorkflowMachine child)
    {
        // The started event is in history (its id), still buffered (its index there), or not yet reported.
        var bufferedIndex = child.StartedEvent is { } started ? _buffered.IndexOf(started) : -1;
        writer.Write(child.InitiatedEventId).Write(child.Command).Write(child.StartedEventId).Write(bufferedIndex)
            .Write(child.Execution).Write(child.EarlyClose);
    }

    /// <summary>A run from the store, not yet armed (see <see cref="Resume"/>).</summary>
    public static WorkflowRun Restore(EngineContext context, WorkflowNamespace ns, StoredRun stored)
    {
        var events = stored.Events.Select(HistoryEvent.Parser.ParseFrom).ToList();
        var reader = new StateReader(stored.State);
        var version = reader.Int();
        if (version is < 1 or > StateVersion)
        {
            throw new InvalidDataException($"Run {stored.RunId} was stored in an unknown format.");
        }

        var first = events[0];
        var requestId = reader.String();
        var parent = reader.Bool() ? new ParentLink(reader.String(), reader.Message(WorkflowExecution.Parser)!, reader.Long()) : null;
        var run = new WorkflowRun(context, ns, stored.WorkflowId, stored.RunId, requestId, first.WorkflowExecutionStartedEventAttributes)
        {
            StoreKey = stored.Key,
            Parent = parent,
            UserMetadata = first.UserMetadata,
            _storedEvents = events.Count,
        };
        run.History.Load(events);
        run.ReadState(reader, version);
        return run;
    }

    private void ReadState(StateReader reader, int version)
    {
        Status = (WorkflowExecutionStatus)reader.Int();
        StartTime = reader.Time();
        ExecutionTime = reader.Time();
        CloseTime = reader.OptionalTime();
        Memo.MergeFrom(reader.Message(Memo.Parser));
        SearchAttributes.MergeFrom(reader.Message(SearchAttributes.Parser));
        CancelRequested = reader.Bool();
        LastCompletedStartedEventId = reader.Long();
        _firstTaskDelayed = reader.Bool();
        _signalRequestIds.UnionWith(reader.All(r => r.String()));
        _buffered.AddRange(reader.All(r => r.Message(HistoryEvent.Parser)!));
        Task = reader.Bool() ? WorkflowTaskMachine.Read(reader, version) : null;
        foreach (var activity in reader.All(r => ActivityMachine.Read(r, id => History[id].ActivityTaskScheduledEventAttributes)))
        {
            _activities[activity.ScheduledEventId] = activity;
        }

        foreach (var (timerId, startedEventId, due) in reader.All(r => (r.String(), r.Long(), r.Time())))
        {
            (_resume ??= []).Add(() => _timers[timerId] = new TimerMachine(timerId, startedEventId, Schedule(due, () => FireTimer(timerId, startedEventId))));
        }

        foreach (var child in reader.All(ReadChild))
        {
            _children[child.InitiatedEventId] = child;
        }

        foreach (var update in reader.All(UpdateMachine.Read))
        {
            _updates[update.UpdateId] = update;
        }
    }

    private ChildWorkflowMachine ReadChild(StateReader reader)
    {
        var child = new ChildWorkflowMachine(reader.Long(), reader.Message(StartChildWorkflowExecutionCommandAttributes.Parser)!);
        var startedEventId = reader.Long();
        var bufferedIndex = reader.Int();
        var execution = reader.Message(WorkflowExecution.Parser);
        if (reader.Message(HistoryEvent.Parser) is { } earlyClose)
        {
            child.HoldEarlyClose(earlyClose);
        }

        if (execution is not null)
        {
            child.MarkStarted(startedEventId > 0 ? History[startedEventId] : _buffered[bufferedIndex], execution);
        }

        return child;
    }

    /// <summary>
    /// Arms a restored open run: its run timeout and delayed first task, its timers, its workflow task (a started one
    /// keeps its token and times out as usual, a scheduled one goes back to its queue) and activities (likewise), and
    /// posts again what it asked of other runs without hearing back (children to start, signals and cancels to deliver).
    /// A closed run tells its parent of its close again, and its open children its parent close policy.
    /// </summary>
    public void Resume()
    {
        if (!IsOpen)
        {
            // Its parent may not have heard of its close (a parent that has ignores it), nor its children of its
            // parent close policy (a closed child ignores it).
            NotifyParent(History.Last);
            ReapplyParentClosePolicies();
            return;
        }

        var runTimeout = Started.WorkflowRunTimeout?.ToTimeSpan() ?? TimeSpan.Zero;
        if (runTimeout > TimeSpan.Zero)
        {
            var due = ExecutionTime + runTimeout;
            _runTimers.Add(Schedule(ExecutionExpiration is { } expiration && expiration < due ? expiration : due, TimeOut));
        }

        if (_firstTaskDelayed)
        {
            _runTimers.Add(Schedule(ExecutionTime, () =>
            {
                _firstTaskDelayed = false;
                EnsureWorkflowTask();
            }));
        }

        foreach (var action in _resume ?? [])
        {
            action();
        }

        _resume = null;
        ResumeWorkflowTask();
        foreach (var activity in _activities.Values)
        {
            ResumeActivity(activity);
        }

        RepostExternalRequests();
    }

    private void ResumeWorkflowTask()
    {
        if (Task is not { } task)
        {
            return;
        }

        _context.Clock.BeginWork();
        if (task.Phase == WorkflowTaskPhase.Started)
        {
            task.Rearm(Schedule(task.StartedTime + WorkflowTaskTimeout, () => TimeOutWorkflowTask(task)));
        }
        else
        {
            _context.WorkflowQueues.Get(Namespace.Name, TaskQueueName).Add(new WorkflowTaskDispatch(this, task.ScheduledEventId, task.Attempt));
        }
    }

    private void ResumeActivity(ActivityMachine activity)
    {
        if (activity.ScheduleToCloseDeadline is { } deadline)
        {
            activity.ScheduleToCloseTimer = Schedule(deadline, () => TimeOutActivity(activity, TimeoutType.ScheduleToClose));
        }

        switch (activity.Phase)
        {
            case ActivityPhase.Scheduled:
                DispatchActivityAttempt(activity);
                break;
            case ActivityPhase.Started:
                _context.Clock.BeginWork();
                ArmStartedAttempt(activity, activity.LastHeartbeatTime ?? activity.StartedTime!.Value);
                break;
            default:
                ArmRetry(activity);
                break;
        }
    }

    private void ReapplyParentClosePolicies()
    {
        var started = new Dictionary<long, WorkflowExecution>();
        foreach (var historyEvent in History.Events)
        {
            if (historyEvent.ChildWorkflowExecutionStartedEventAttributes is { } child)
            {
                started[child.InitiatedEventId] = child.WorkflowExecution;
            }
            else if (ChildClosedInitiatedEventId(historyEvent) is { } closed)
            {
                started.Remove(closed);
            }
        }

        var directory = _context.Directory;
        foreach (var (initiatedEventId, execution) in started)
        {
            var initiated = History[initiatedEventId].StartChildWorkflowExecutionInitiatedEventAttributes;
            if (initiated.ParentClosePolicy != ParentClosePolicy.Abandon)
            {
                _context.Post(() => directory.ApplyParentClosePolicy(initiated.Namespace, execution.WorkflowId, execution.RunId, initiated.ParentClosePolicy));
            }
        }
    }

    private static long? ChildClosedInitiatedEventId(HistoryEvent historyEvent) =>
        historyEvent.ChildWorkflowExecutionCompletedEventAttributes?.InitiatedEventId
        ?? historyEvent.ChildWorkflowExecutionFailedEventAttributes?.InitiatedEventId
        ?? historyEvent.ChildWorkflowExecutionCanceledEventAttributes?.InitiatedEventId
        ?? historyEvent.ChildWorkflowExecutionTimedOutEventAttributes?.InitiatedEventId
        ?? historyEvent.ChildWorkflowExecutionTerminatedEventAttributes?.InitiatedEventId;

    /// <summary>Children not yet started, signals and cancels not yet answered: asked again (each is idempotent).</summary>
    private void RepostExternalRequests()
    {
        var answered = new HashSet<long>();
        var initiated = new List<HistoryEvent>();
        foreach (var historyEvent in History.Events.Concat(_buffered))
        {
            switch (historyEvent.AttributesCase)
            {
                case HistoryEvent.AttributesOneofCase.SignalExternalWorkflowExecutionInitiatedEventAttributes:
                case HistoryEvent.AttributesOneofCase.RequestCancelExternalWorkflowExecutionInitiatedEventAttributes:
                    initiated.Add(historyEvent);
                    break;
                case HistoryEvent.AttributesOneofCase.ExternalWorkflowExecutionSignaledEventAttributes:
                    answered.Add(historyEvent.ExternalWorkflowExecutionSignaledEventAttributes.InitiatedEventId);
                    break;
                case HistoryEvent.AttributesOneofCase.SignalExternalWorkflowExecutionFailedEventAttributes:
                    answered.Add(historyEvent.SignalExternalWorkflowExecutionFailedEventAttributes.InitiatedEventId);
                    break;
                case HistoryEvent.AttributesOneofCase.ExternalWorkflowExecutionCancelRequestedEventAttributes:
                    answered.Add(historyEvent.ExternalWorkflowExecutionCancelRequestedEventAttributes.InitiatedEventId);
                    break;
                case HistoryEvent.AttributesOneofCase.RequestCancelExternalWorkflowExecutionFailedEventAttributes:
                    answered.Add(historyEvent.RequestCancelExternalWorkflowExecutionFailedEventAttributes.InitiatedEventId);
                    break;
            }
        }

        var directory = _context.Directory;
        foreach (var historyEvent in initiated.Where(e => !answered.Contains(e.EventId)))
        {
            var eventId = historyEvent.EventId;
            if (historyEvent.SignalExternalWorkflowExecutionInitiatedEventAttributes is { } signal)
            {
                var command = new SignalExternalWorkflowExecutionCommandAttributes
                {
                    Namespace = signal.Namespace,
                    Execution = signal.WorkflowExecution,
                    SignalName = signal.SignalName,
                    Input = signal.Input,
                    Control = signal.Control,
                    ChildWorkflowOnly = signal.ChildWorkflowOnly,
                    Header = signal.Header,
                };
                _context.Post(() => directory.SignalExternal(this, eventId, command));
            }
            else
            {
                var cancel = historyEvent.RequestCancelExternalWorkflowExecutionInitiatedEventAttributes;
                var command = new RequestCancelExternalWorkflowExecutionCommandAttributes
                {
                    Namespace = cancel.Namespace,
                    WorkflowId = cancel.WorkflowExecution.WorkflowId,
                    RunId = cancel.WorkflowExecution.RunId,
                    Control = cancel.Control,
                    ChildWorkflowOnly = cancel.ChildWorkflowOnly,
                    Reason = cancel.Reason,
                };
                _context.Post(() => directory.CancelExternal(this, eventId, command));
            }
        }

        foreach (var child in _children.Values.Where(c => c.Execution is null))
        {
            var initiatedEventId = child.InitiatedEventId;
            var command = child.Command;
            var userMetadata = History[initiatedEventId].UserMetadata;
            _context.Post(() => directory.StartChild(this, initiatedEventId, command, userMetadata));
        }
    }
}
