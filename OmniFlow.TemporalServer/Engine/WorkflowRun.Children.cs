using OmniFlow.TemporalServer.Engine.StateMachines;
using Temporalio.Api.Command.V1;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.History.V1;

namespace OmniFlow.TemporalServer.Engine;

public sealed partial class WorkflowRun
{
    private readonly Dictionary<long, ChildWorkflowMachine> _children = [];

    /// <summary>Set on a child: who to tell when it closes.</summary>
    public ParentLink? Parent { get; init; }

    public IReadOnlyCollection<ChildWorkflowMachine> PendingChildren => _children.Values;

    private void StartChild(StartChildWorkflowExecutionCommandAttributes command, long completedEventId, Temporalio.Api.Sdk.V1.UserMetadata? userMetadata)
    {
        if (string.IsNullOrEmpty(command.Namespace))
        {
            command.Namespace = Namespace.Name;
        }

        if (string.IsNullOrEmpty(command.TaskQueue?.Name))
        {
            command.TaskQueue = new() { Name = TaskQueueName, Kind = TaskQueueKind.Normal };
        }

        var initiated = Append(new HistoryEvent
        {
            EventType = EventType.StartChildWorkflowExecutionInitiated,
            StartChildWorkflowExecutionInitiatedEventAttributes = new()
            {
                Namespace = command.Namespace,
                WorkflowId = command.WorkflowId,
                WorkflowType = command.WorkflowType,
                TaskQueue = command.TaskQueue,
                Input = command.Input,
                WorkflowExecutionTimeout = command.WorkflowExecutionTimeout,
                WorkflowRunTimeout = command.WorkflowRunTimeout,
                WorkflowTaskTimeout = command.WorkflowTaskTimeout,
                ParentClosePolicy = command.ParentClosePolicy,
                Control = command.Control,
                WorkflowTaskCompletedEventId = completedEventId,
                WorkflowIdReusePolicy = command.WorkflowIdReusePolicy,
                RetryPolicy = command.RetryPolicy,
                CronSchedule = command.CronSchedule,
                Header = command.Header,
                Memo = command.Memo,
                SearchAttributes = command.SearchAttributes,
                Priority = command.Priority,
            },
            UserMetadata = userMetadata,
        });
        _children[initiated.EventId] = new ChildWorkflowMachine(initiated.EventId, command);
        var directory = _context.Directory;
        _context.Post(() => directory.StartChild(this, initiated.EventId, command, userMetadata));
    }

    /// <summary>The engine reports the child's start.</summary>
    public void ChildStarted(long initiatedEventId, WorkflowExecution execution)
    {
        if (!IsOpen || !_children.TryGetValue(initiatedEventId, out var child) || !child.Allows(ChildWorkflowEvent.Start))
        {
            return;
        }

        var started = new HistoryEvent
        {
            EventType = EventType.ChildWorkflowExecutionStarted,
            ChildWorkflowExecutionStartedEventAttributes = new()
            {
                Namespace = child.Command.Namespace,
                InitiatedEventId = initiatedEventId,
                WorkflowExecution = execution,
                WorkflowType = child.Command.WorkflowType,
                Header = child.Command.Header,
            },
        };
        Observe(started);
        child.MarkStarted(started, execution);
        if (child.TakeEarlyClose() is { } early)
        {
            ChildClosed(initiatedEventId, early);
        }
    }

    public void ChildStartFailed(long initiatedEventId, StartChildWorkflowExecutionFailedCause cause)
    {
        if (!IsOpen || !_children.TryGetValue(initiatedEventId, out var child) || !child.Allows(ChildWorkflowEvent.StartFail))
        {
            return;
        }

        _children.Remove(initiatedEventId);
        child.End(ChildWorkflowEvent.StartFail);
        Observe(new HistoryEvent
        {
            EventType = EventType.StartChildWorkflowExecutionFailed,
            StartChildWorkflowExecutionFailedEventAttributes = new()
            {
                Namespace = child.Command.Namespace,
                WorkflowId = child.Command.WorkflowId,
                WorkflowType = child.Command.WorkflowType,
                Cause = cause,
                Control = child.Command.Control,
                InitiatedEventId = initiatedEventId,
            },
        });
    }

    /// <summary>The engine reports the child's close; the parent writes the matching ChildWorkflowExecution* event.</summary>
    public void ChildClosed(long initiatedEventId, HistoryEvent closeEvent)
    {
        if (!IsOpen || !_children.TryGetValue(initiatedEventId, out var child))
        {
            return;
        }

        if (child.Allows(ChildWorkflowEvent.CloseBeforeStart))
        {
            child.HoldEarlyClose(closeEvent);
            return;
        }

        _children.Remove(initiatedEventId);
        child.End(ChildWorkflowEvent.Close);
        var startedId = child.StartedEventId != 0 ? child.StartedEventId : History.LastEventId;
        var ns = child.Command.Namespace;
        var execution = child.Execution;
        var type = child.Command.WorkflowType;
        var parentEvent = closeEvent.AttributesCase switch
        {
            HistoryEvent.AttributesOneofCase.WorkflowExecutionCompletedEventAttributes => new HistoryEvent
            {
                EventType = EventType.ChildWorkflowExecutionCompleted,
                ChildWorkflowExecutionCompletedEventAttributes = new()
                {
                    Namespace = ns, WorkflowExecution = execution, WorkflowType = type,
                    InitiatedEventId = initiatedEventId, StartedEventId = startedId,
                    Result = closeEvent.WorkflowExecutionCompletedEventAttributes.Result,
                },
            },
            HistoryEvent.AttributesOneofCase.WorkflowExecutionFailedEventAttributes => new HistoryEvent
            {
                EventType = EventType.ChildWorkflowExecutionFailed,
                ChildWorkflowExecutionFailedEventAttributes = new()
                {
                    Namespace = ns, WorkflowExecution = execution, WorkflowType = type,
                    InitiatedEventId = initiatedEventId, StartedEventId = startedId,
                    Failure = closeEvent.WorkflowExecutionFailedEventAttributes.Failure,
                    RetryState = closeEvent.WorkflowExecutionFailedEventAttributes.RetryState,
                },
            },
            HistoryEvent.AttributesOneofCase.WorkflowExecutionCanceledEventAttributes => new HistoryEvent
            {
                EventType = EventType.ChildWorkflowExecutionCanceled,
                ChildWorkflowExecutionCanceledEventAttributes = new()
                {
                    Namespace = ns, WorkflowExecution = execution, WorkflowType = type,
                    InitiatedEventId = initiatedEventId, StartedEventId = startedId,
                    Details = closeEvent.WorkflowExecutionCanceledEventAttributes.Details,
                },
            },
            HistoryEvent.AttributesOneofCase.WorkflowExecutionTimedOutEventAttributes => new HistoryEvent
            {
                EventType = EventType.ChildWorkflowExecutionTimedOut,
                ChildWorkflowExecutionTimedOutEventAttributes = new()
                {
                    Namespace = ns, WorkflowExecution = execution, WorkflowType = type,
                    InitiatedEventId = initiatedEventId, StartedEventId = startedId,
                    RetryState = closeEvent.WorkflowExecutionTimedOutEventAttributes.RetryState,
                },
            },
            _ => new HistoryEvent
            {
                EventType = EventType.ChildWorkflowExecutionTerminated,
                ChildWorkflowExecutionTerminatedEventAttributes = new()
                {
                    Namespace = ns, WorkflowExecution = execution, WorkflowType = type,
                    InitiatedEventId = initiatedEventId, StartedEventId = startedId,
                },
            },
        };
        Observe(parentEvent);
    }

    private void SignalExternal(SignalExternalWorkflowExecutionCommandAttributes command, long completedEventId)
    {
        if (string.IsNullOrEmpty(command.Namespace))
        {
            command.Namespace = Namespace.Name;
        }

        var initiated = Append(new HistoryEvent
        {
            EventType = EventType.SignalExternalWorkflowExecutionInitiated,
            SignalExternalWorkflowExecutionInitiatedEventAttributes = new()
            {
                Namespace = command.Namespace,
                WorkflowExecution = command.Execution,
                SignalName = command.SignalName,
                Input = command.Input,
                Control = command.Control,
                ChildWorkflowOnly = command.ChildWorkflowOnly,
                Header = command.Header,
                WorkflowTaskCompletedEventId = completedEventId,
            },
        });
        var directory = _context.Directory;
        _context.Post(() => directory.SignalExternal(this, initiated.EventId, command));
    }

    public void ExternalSignalResult(long initiatedEventId, SignalExternalWorkflowExecutionCommandAttributes command, bool delivered)
    {
        Observe(delivered
            ? new HistoryEvent
            {
                EventType = EventType.ExternalWorkflowExecutionSignaled,
                ExternalWorkflowExecutionSignaledEventAttributes = new()
                {
                    InitiatedEventId = initiatedEventId,
                    Namespace = command.Namespace,
                    WorkflowExecution = command.Execution,
                    Control = command.Control,
                },
            }
            : new HistoryEvent
            {
                EventType = EventType.SignalExternalWorkflowExecutionFailed,
                SignalExternalWorkflowExecutionFailedEventAttributes = new()
                {
                    Cause = SignalExternalWorkflowExecutionFailedCause.ExternalWorkflowExecutionNotFound,
                    InitiatedEventId = initiatedEventId,
                    Namespace = command.Namespace,
                    WorkflowExecution = command.Execution,
                    Control = command.Control,
                },
            });
    }

    private void RequestCancelExternal(RequestCancelExternalWorkflowExecutionCommandAttributes command, long completedEventId)
    {
        if (string.IsNullOrEmpty(command.Namespace))
        {
            command.Namespace = Namespace.Name;
        }

        var initiated = Append(new HistoryEvent
        {
            EventType = EventType.RequestCancelExternalWorkflowExecutionInitiated,
            RequestCancelExternalWorkflowExecutionInitiatedEventAttributes = new()
            {
                Namespace = command.Namespace,
                WorkflowExecution = new WorkflowExecution { WorkflowId = command.WorkflowId, RunId = command.RunId },
                Control = command.Control,
                ChildWorkflowOnly = command.ChildWorkflowOnly,
                Reason = command.Reason,
                WorkflowTaskCompletedEventId = completedEventId,
            },
        });
        var directory = _context.Directory;
        _context.Post(() => directory.CancelExternal(this, initiated.EventId, command));
    }

    public void ExternalCancelResult(long initiatedEventId, RequestCancelExternalWorkflowExecutionCommandAttributes command, bool delivered)
    {
        var execution = new WorkflowExecution { WorkflowId = command.WorkflowId, RunId = command.RunId };
        Observe(delivered
            ? new HistoryEvent
            {
                EventType = EventType.ExternalWorkflowExecutionCancelRequested,
                ExternalWorkflowExecutionCancelRequestedEventAttributes = new()
                {
                    InitiatedEventId = initiatedEventId,
                    Namespace = command.Namespace,
                    WorkflowExecution = execution,
                },
            }
            : new HistoryEvent
            {
                EventType = EventType.RequestCancelExternalWorkflowExecutionFailed,
                RequestCancelExternalWorkflowExecutionFailedEventAttributes = new()
                {
                    Cause = CancelExternalWorkflowExecutionFailedCause.ExternalWorkflowExecutionNotFound,
                    InitiatedEventId = initiatedEventId,
                    Namespace = command.Namespace,
                    WorkflowExecution = execution,
                    Control = command.Control,
                },
            });
    }

    private void ContinueAsNew(ContinueAsNewWorkflowExecutionCommandAttributes command, long completedEventId)
    {
        var next = _context.Directory.ContinueAsNew(this, command);
        Close(
            new HistoryEvent
            {
                EventType = EventType.WorkflowExecutionContinuedAsNew,
                WorkflowExecutionContinuedAsNewEventAttributes = new()
                {
                    NewExecutionRunId = next.RunId,
                    WorkflowType = next.Started.WorkflowType,
                    TaskQueue = next.Started.TaskQueue,
                    Input = command.Input,
                    WorkflowRunTimeout = next.Started.WorkflowRunTimeout,
                    WorkflowTaskTimeout = next.Started.WorkflowTaskTimeout,
                    WorkflowTaskCompletedEventId = completedEventId,
                    BackoffStartInterval = command.BackoffStartInterval,
                    Initiator = command.Initiator,
                    Failure = command.Failure,
                    LastCompletionResult = command.LastCompletionResult,
                    Header = command.Header,
                    Memo = command.Memo,
                    SearchAttributes = command.SearchAttributes,
                },
            },
            WorkflowExecutionStatus.ContinuedAsNew);
    }

    private void CloseChildren()
    {
        foreach (var child in _children.Values)
        {
            child.End(ChildWorkflowEvent.ParentClosed);
            if (child.Execution is not { } execution || child.Command.ParentClosePolicy == ParentClosePolicy.Abandon)
            {
                continue;
            }

            var directory = _context.Directory;
            var ns = child.Command.Namespace;
            var policy = child.Command.ParentClosePolicy;
            _context.Post(() => directory.ApplyParentClosePolicy(ns, execution.WorkflowId, execution.RunId, policy));
        }

        _children.Clear();
    }

    private void NotifyParent(HistoryEvent closeEvent)
    {
        if (Parent is null || closeEvent.EventType == EventType.WorkflowExecutionContinuedAsNew || ContinuesInNewRun(closeEvent))
        {
            return;
        }

        var directory = _context.Directory;
        _context.Post(() => directory.ChildClosed(this, closeEvent));
    }

    /// <summary>A retry or cron run follows: the parent hears of the child only when its chain ends.</summary>
    private static bool ContinuesInNewRun(HistoryEvent closeEvent) =>
        (closeEvent.WorkflowExecutionCompletedEventAttributes?.NewExecutionRunId ??
         closeEvent.WorkflowExecutionFailedEventAttributes?.NewExecutionRunId ??
         closeEvent.WorkflowExecutionTimedOutEventAttributes?.NewExecutionRunId) is { Length: > 0 };
}

/// <summary>A child's link to its parent: the parent's run and the event that initiated the child.</summary>
public sealed record ParentLink(string Namespace, WorkflowExecution Execution, long InitiatedEventId);
