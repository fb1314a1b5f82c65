using Temporalio.Api.Command.V1;
using Temporalio.Api.Common.V1;
using Temporalio.Api.History.V1;

namespace OmniFlow.TemporalServer.Engine.StateMachines;

public enum ChildWorkflowPhase
{
    Initiated,
    Started,
    StartFailed,
    Closed,

    /// <summary>The parent closed first (its parent close policy goes to a started child).</summary>
    Abandoned,
}

public enum ChildWorkflowEvent
{
    Start,
    StartFail,

    /// <summary>The child closed before its start was recorded: the close is held and written right after the start.</summary>
    CloseBeforeStart,
    Close,
    ParentClosed,
}

/// <summary>A child workflow as its parent sees it; its legal transitions are <see cref="Transitions"/>.</summary>
public sealed class ChildWorkflowMachine(long initiatedEventId, StartChildWorkflowExecutionCommandAttributes command)
{
    public static readonly TransitionTable<ChildWorkflowPhase, ChildWorkflowEvent> Transitions = new(
        "Child workflow",
        (ChildWorkflowPhase.Initiated, ChildWorkflowEvent.Start, ChildWorkflowPhase.Started),
        (ChildWorkflowPhase.Initiated, ChildWorkflowEvent.StartFail, ChildWorkflowPhase.StartFailed),
        (ChildWorkflowPhase.Initiated, ChildWorkflowEvent.CloseBeforeStart, ChildWorkflowPhase.Initiated),
        (ChildWorkflowPhase.Initiated, ChildWorkflowEvent.ParentClosed, ChildWorkflowPhase.Abandoned),
        (ChildWorkflowPhase.Started, ChildWorkflowEvent.Close, ChildWorkflowPhase.Closed),
        (ChildWorkflowPhase.Started, ChildWorkflowEvent.ParentClosed, ChildWorkflowPhase.Abandoned));

    public long InitiatedEventId { get; } = initiatedEventId;

    public StartChildWorkflowExecutionCommandAttributes Command { get; } = command;

    private HistoryEvent? _startedEvent;

    public ChildWorkflowPhase Phase { get; private set; } = ChildWorkflowPhase.Initiated;

    /// <summary>Read late: the started event gets its id when it leaves the buffer.</summary>
    public long StartedEventId => _startedEvent?.EventId ?? 0;

    /// <summary>The ChildWorkflowExecutionStarted event, in history or still buffered.</summary>
    public HistoryEvent? StartedEvent => _startedEvent;

    public WorkflowExecution? Execution { get; private set; }

    /// <summary>A close that arrived before the start was recorded; written right after it.</summary>
    public HistoryEvent? EarlyClose { get; private set; }

    public bool Allows(ChildWorkflowEvent on) => Transitions.Allows(Phase, on);

    public void MarkStarted(HistoryEvent startedEvent, WorkflowExecution execution)
    {
        Phase = Transitions.Next(Phase, ChildWorkflowEvent.Start);
        _startedEvent = startedEvent;
        Execution = execution;
    }

    public void HoldEarlyClose(HistoryEvent? closeEvent)
    {
        Phase = Transitions.Next(Phase, ChildWorkflowEvent.CloseBeforeStart);
        EarlyClose = closeEvent;
    }

    /// <summary>The close held until the start, handed over once.</summary>
    public HistoryEvent? TakeEarlyClose()
    {
        var early = EarlyClose;
        EarlyClose = null;
        return early;
    }

    public void End(ChildWorkflowEvent how) => Phase = Transitions.Next(Phase, how);
}
