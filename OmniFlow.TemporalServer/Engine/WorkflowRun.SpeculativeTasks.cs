using Temporalio.Api.Update.V1;
using Temporalio.Api.WorkflowService.V1;

namespace OmniFlow.TemporalServer.Engine;

/// <summary>
/// Speculative workflow tasks, as a real server has them (docs/architecture/speculative-workflow-task.md and the
/// workflow task state machine of temporalio/temporal): a task scheduled only to carry updates writes nothing until it
/// is known to matter. A completion that changes nothing — no commands, only update rejections, no heartbeat, nothing
/// buffered meanwhile — discards it: history is left as it was and the worker is told to roll back to the last
/// completed task (ResetHistoryEventId). Otherwise it is written like a transient task: when it completes, fails or
/// times out, its Scheduled and Started events go into history first.
/// </summary>
public sealed partial class WorkflowRun
{
    private bool IsDiscardable(StateMachines.WorkflowTaskMachine task, RespondWorkflowTaskCompletedRequest request) =>
        task.Speculative &&
        request.Commands.Count == 0 &&
        !request.ForceCreateNewWorkflowTask &&
        request.Messages.All(m => m.Body?.Is(Rejection.Descriptor) == true) &&
        _buffered.Count == 0 &&
        (!ShippedCommandEvents(task) || request.Capabilities?.DiscardSpeculativeWorkflowTaskWithEvents == true);

    /// <summary>
    /// The task showed the worker events after the last completed task's WorkflowTaskCompleted (the events of its
    /// commands): a worker may see them again only if it says it can.
    /// </summary>
    private bool ShippedCommandEvents(StateMachines.WorkflowTaskMachine task) =>
        task.ScheduledEventId - 1 > LastCompletedStartedEventId + 1;

    private RespondWorkflowTaskCompletedResponse DiscardSpeculativeTask(
        StateMachines.WorkflowTaskMachine task, RespondWorkflowTaskCompletedRequest request)
    {
        task.End(StateMachines.WorkflowTaskEvent.Discard);
        Task = null;
        RememberStickyQueue(request);
        BeginUpdateMessages(request.Messages);
        FinishUpdateMessages(request.Messages);
        foreach (var result in request.QueryResults)
        {
            AnswerQuery(result.Key, result.Value);
        }

        if (HasUnsentUpdates)
        {
            EnsureWorkflowTask(speculative: true);
        }

        _context.Clock.EndWork();
        DispatchQueries();
        return new RespondWorkflowTaskCompletedResponse { ResetHistoryEventId = LastCompletedStartedEventId };
    }

    /// <summary>A speculative task that failed or timed out is written, so the failure is seen in history.</summary>
    private void WriteSpeculativeEvents(StateMachines.WorkflowTaskMachine task)
    {
        if (task.Speculative)
        {
            WriteUnwrittenEvents(task);
        }
    }
}
