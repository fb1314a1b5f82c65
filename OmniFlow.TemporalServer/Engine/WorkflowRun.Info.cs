using Google.Protobuf.WellKnownTypes;
using Temporalio.Api.Workflow.V1;

namespace OmniFlow.TemporalServer.Engine;

public sealed partial class WorkflowRun
{
    /// <summary>
    /// The run as DescribeWorkflowExecution and visibility show it. The memo and search attributes are copied: the answer
    /// is serialized after the run's lock is released, and an upsert changes the run's own in place.
    /// </summary>
    public WorkflowExecutionInfo ToExecutionInfo()
    {
        var info = new WorkflowExecutionInfo
        {
            Execution = Execution,
            Type = Started.WorkflowType,
            StartTime = Timestamp.FromDateTimeOffset(StartTime),
            ExecutionTime = Timestamp.FromDateTimeOffset(ExecutionTime),
            CloseTime = CloseTime is { } closed ? Timestamp.FromDateTimeOffset(closed) : null,
            Status = Status,
            HistoryLength = History.LastEventId,
            Memo = Memo.Clone(),
            SearchAttributes = SearchAttributes.Clone(),
            TaskQueue = TaskQueueName,
            FirstRunId = Started.FirstExecutionRunId,
            HistorySizeBytes = HistorySizeBytes(),
            Priority = Started.Priority,
        };
        if (Parent is { } parent)
        {
            info.ParentNamespaceId = parent.Namespace;
            info.ParentExecution = parent.Execution;
        }

        return info;
    }
}
