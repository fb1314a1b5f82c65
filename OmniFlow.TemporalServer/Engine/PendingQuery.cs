using Temporalio.Api.Query.V1;
using Temporalio.Api.WorkflowService.V1;

namespace OmniFlow.TemporalServer.Engine;

/// <summary>A query waiting for a worker's answer.</summary>
public sealed class PendingQuery(WorkflowQuery query)
{
    public string Id { get; } = Guid.NewGuid().ToString("N");

    public WorkflowQuery Query { get; } = query;

    public bool Dispatched { get; set; }

    public TaskCompletionSource<QueryWorkflowResponse> Result { get; } =
        new(TaskCreationOptions.RunContinuationsAsynchronously);
}
