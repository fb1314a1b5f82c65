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

/// <summary>A query waiting for a worker's answer.</summary>
public sealed class PendingQuery(WorkflowQuery query)
{
    public string Id { get; } = Guid.NewGuid().ToString("N");

    public WorkflowQuery Query { get; } = query;

    public QueryPhase Phase { get; set; } = QueryPhase.Waiting;

    public TaskCompletionSource<QueryWorkflowResponse> Result { get; } =
        new(TaskCreationOptions.RunContinuationsAsynchronously);
}
