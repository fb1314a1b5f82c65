using OmniFlow.TemporalServer.Engine.StateMachines;
using OmniFlow.TemporalServer.Time;
using Temporalio.Api.Query.V1;
using Temporalio.Api.WorkflowService.V1;

namespace OmniFlow.TemporalServer.Engine;

/// <summary>Where a query waiting for a worker's answer is.</summary>
public enum QueryPhase
{
    /// <summary>Held by the run until no workflow task is outstanding.</summary>
    Waiting,

    /// <summary>A query task in the task queue, not yet handed to a poller.</summary>
    Queued,

    /// <summary>A query task handed to a poller.</summary>
    Started,
}

public enum QueryEvent
{
    /// <summary>No workflow task is outstanding: a query task goes into the task queue.</summary>
    Queue,

    /// <summary>A workflow task was scheduled before a poller took the query task: the query waits for it to end.</summary>
    YieldToWorkflowTask,

    /// <summary>A poller takes the query task.</summary>
    Start,
}

/// <summary>
/// A query waiting for a worker's answer; its legal transitions are <see cref="Transitions"/>. An answer (or the run
/// closing before its first workflow task completed) resolves it in any phase and removes it from the run.
/// </summary>
public sealed class PendingQuery(WorkflowQuery query)
{
    public static readonly TransitionTable<QueryPhase, QueryEvent> Transitions = new(
        "Query",
        (QueryPhase.Waiting, QueryEvent.Queue, QueryPhase.Queued),
        (QueryPhase.Queued, QueryEvent.YieldToWorkflowTask, QueryPhase.Waiting),
        (QueryPhase.Queued, QueryEvent.Start, QueryPhase.Started));

    public string Id { get; } = Guid.NewGuid().ToString("N");

    public WorkflowQuery Query { get; } = query;

    public QueryPhase Phase { get; private set; } = QueryPhase.Waiting;

    /// <summary>The query task's latest dispatch: one left in a sticky queue the query has moved on from is stale.</summary>
    public QueryTaskDispatch? Dispatch { get; set; }

    /// <summary>
    /// While queued on a sticky queue: when the query task moves to the normal queue. Once started: when the worker's time
    /// to answer runs out. Setting it cancels the one it replaces.
    /// </summary>
    public ClockItem? Deadline
    {
        get;
        set
        {
            field?.Cancel();
            field = value;
        }
    }

    /// <summary>
    /// A worker took the query task and its time to answer has not run out: the query holds the run's other queries back
    /// and counts as work in flight on the clock.
    /// </summary>
    public bool AwaitingAnswer { get; set; }

    public bool Allows(QueryEvent on) => Transitions.Allows(Phase, on);

    public void Move(QueryEvent on) => Phase = Transitions.Next(Phase, on);

    public TaskCompletionSource<QueryWorkflowResponse> Result { get; } =
        new(TaskCreationOptions.RunContinuationsAsynchronously);
}
