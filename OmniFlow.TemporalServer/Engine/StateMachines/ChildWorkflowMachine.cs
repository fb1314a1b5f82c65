using Temporalio.Api.Command.V1;
using Temporalio.Api.Common.V1;
using Temporalio.Api.History.V1;

namespace OmniFlow.TemporalServer.Engine.StateMachines;

/// <summary>A child workflow as its parent sees it: Initiated → Started → closed (or StartFailed).</summary>
public sealed class ChildWorkflowMachine(long initiatedEventId, StartChildWorkflowExecutionCommandAttributes command)
{
    public long InitiatedEventId { get; } = initiatedEventId;

    public StartChildWorkflowExecutionCommandAttributes Command { get; } = command;

    private HistoryEvent? _startedEvent;

    /// <summary>Read late: the started event gets its id when it leaves the buffer.</summary>
    public long StartedEventId => _startedEvent?.EventId ?? 0;

    /// <summary>The ChildWorkflowExecutionStarted event, in history or still buffered.</summary>
    public HistoryEvent? StartedEvent => _startedEvent;

    public WorkflowExecution? Execution { get; private set; }

    /// <summary>A close that arrived before the start was recorded; written right after it.</summary>
    public HistoryEvent? EarlyClose { get; set; }

    public void MarkStarted(HistoryEvent startedEvent, WorkflowExecution execution)
    {
        _startedEvent = startedEvent;
        Execution = execution;
    }
}
