using OmniFlow.TemporalServer.Engine;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.History.V1;

namespace OmniFlow.TemporalServer.Scheduling;

/// <summary>
/// The close of a workflow a schedule started (the end of its chain: a retry or continue-as-new keeps it running):
/// it stops counting as running, its recent action gets its status, a failure or timeout pauses the schedule under
/// pause_on_failure, its result (or failure) goes to the next start, and the buffer is worked again.
/// </summary>
public sealed partial class Scheduler
{
    /// <summary>Called under the closing run's lock: only looks, and posts the work.</summary>
    private void OnRunClosed(WorkflowRun run, HistoryEvent closeEvent)
    {
        if (!_watched.TryGetValue((run.Namespace.Name, run.WorkflowId), out var entry) || NextRunId(closeEvent).Length > 0)
        {
            return;
        }

        var firstRunId = run.Started.FirstExecutionRunId;
        _engine.Context.Post(() => Closed(entry, run.WorkflowId, firstRunId, closeEvent));
    }

    private void Closed(ScheduleEntry entry, string workflowId, string firstRunId, HistoryEvent closeEvent)
    {
        using (entry.Enter())
        {
            var index = entry.Info.RunningWorkflows.ToList().FindIndex(w => w.WorkflowId == workflowId && w.RunId == firstRunId);
            if (entry.Deleted || index < 0)
            {
                return;
            }

            entry.Info.RunningWorkflows.RemoveAt(index);
            _watched.TryRemove(new KeyValuePair<(string, string), ScheduleEntry>((entry.Namespace, workflowId), entry));
            var status = StatusOf(closeEvent);
            foreach (var action in entry.Info.RecentActions.Where(a => a.StartWorkflowResult?.WorkflowId == workflowId))
            {
                action.StartWorkflowStatus = status;
            }

            if (entry.Schedule.Policies.PauseOnFailure && !entry.State.Paused &&
                status is WorkflowExecutionStatus.Failed or WorkflowExecutionStatus.TimedOut)
            {
                CatchUp(entry);
                entry.State.Paused = true;
                entry.State.Notes = status == WorkflowExecutionStatus.Failed
                    ? $"paused due to workflow failure: {workflowId}: {closeEvent.WorkflowExecutionFailedEventAttributes.Failure?.Message}"
                    : $"paused due to workflow timeout: {workflowId}";
                entry.Bump();
            }

            if (closeEvent.WorkflowExecutionCompletedEventAttributes is { } completed)
            {
                entry.LastCompletionResult = completed.Result;
                entry.ContinuedFailure = null;
            }
            else if (closeEvent.WorkflowExecutionFailedEventAttributes is { } failed)
            {
                entry.ContinuedFailure = failed.Failure;
            }

            ProcessBuffer(entry);
            Reschedule(entry);
        }
    }

    private static string NextRunId(HistoryEvent closeEvent) =>
        closeEvent.WorkflowExecutionCompletedEventAttributes?.NewExecutionRunId
        ?? closeEvent.WorkflowExecutionFailedEventAttributes?.NewExecutionRunId
        ?? closeEvent.WorkflowExecutionTimedOutEventAttributes?.NewExecutionRunId
        ?? closeEvent.WorkflowExecutionContinuedAsNewEventAttributes?.NewExecutionRunId
        ?? "";

    private static WorkflowExecutionStatus StatusOf(HistoryEvent closeEvent) => closeEvent.EventType switch
    {
        EventType.WorkflowExecutionCompleted => WorkflowExecutionStatus.Completed,
        EventType.WorkflowExecutionFailed => WorkflowExecutionStatus.Failed,
        EventType.WorkflowExecutionTimedOut => WorkflowExecutionStatus.TimedOut,
        EventType.WorkflowExecutionCanceled => WorkflowExecutionStatus.Canceled,
        EventType.WorkflowExecutionTerminated => WorkflowExecutionStatus.Terminated,
        _ => WorkflowExecutionStatus.ContinuedAsNew,
    };
}
