using Temporalio.Api.Command.V1;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.Failure.V1;
using Temporalio.Api.History.V1;

namespace OmniFlow.TemporalServer.Engine;

/// <summary>What a run asks of the engine about other runs. Called outside any run's lock.</summary>
public interface IRunDirectory
{
    void StartChild(WorkflowRun parent, long initiatedEventId, StartChildWorkflowExecutionCommandAttributes command, Temporalio.Api.Sdk.V1.UserMetadata? userMetadata);

    void SignalExternal(WorkflowRun source, long initiatedEventId, SignalExternalWorkflowExecutionCommandAttributes command);

    void CancelExternal(WorkflowRun source, long initiatedEventId, RequestCancelExternalWorkflowExecutionCommandAttributes command);

    void ChildClosed(WorkflowRun child, HistoryEvent closeEvent);

    void ApplyParentClosePolicy(string @namespace, string workflowId, string runId, ParentClosePolicy policy);

    /// <summary>Creates and starts the next run of a chain; called under the previous run's lock.</summary>
    WorkflowRun ContinueAsNew(WorkflowRun previous, ContinueAsNewWorkflowExecutionCommandAttributes command);

    /// <summary>Creates and starts a retry or the next cron run after the backoff; called under the previous run's lock.</summary>
    WorkflowRun StartSuccessor(
        WorkflowRun previous, ContinueAsNewInitiator initiator, DateTimeOffset startTime, TimeSpan backoff, Failure? failure, Payloads? lastCompletionResult);
}
