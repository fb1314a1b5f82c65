using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.Failure.V1;

namespace OmniFlow.TemporalServer.Engine;

/// <summary>
/// What follows a run that closes, as the real server decides it: a failure or run timeout is retried when the run's
/// retry policy allows; otherwise, and after a completion, a cron workflow starts its next scheduled run. Cancel and
/// terminate end the chain. The closing event names the new run (new_execution_run_id), which clients follow.
/// </summary>
public sealed partial class WorkflowRun
{
    private sealed record Successor(ContinueAsNewInitiator Initiator, TimeSpan Backoff);

    private DateTimeOffset? ExecutionExpiration => Started.WorkflowExecutionExpirationTime?.ToDateTimeOffset();

    private (Successor? Next, RetryState State) SuccessorAfterFailure(Failure failure)
    {
        var state = RetryState.RetryPolicyNotSet;
        if (Started.RetryPolicy is { } policy)
        {
            (var backoff, state) = RetryPolicies.NextWorkflowRetry(policy, Started.Attempt, failure, Now, ExecutionExpiration);
            if (backoff is { } delay)
            {
                return (new Successor(ContinueAsNewInitiator.Retry, delay), state);
            }
        }

        return (NextCronRun(), state);
    }

    private Successor? NextCronRun() =>
        Started.CronSchedule is { Length: > 0 } schedule && CronSchedules.Backoff(schedule, ExecutionTime, Now) is { } backoff
            ? new Successor(ContinueAsNewInitiator.CronSchedule, backoff)
            : null;

    /// <summary>Starts the successor, if any; its run id for the closing event, or "" when the chain ends here.</summary>
    private string StartSuccessor(Successor? successor, Failure? failure, Payloads? lastCompletionResult) =>
        successor is null
            ? ""
            : _context.Directory.StartSuccessor(this, successor.Initiator, successor.Backoff, failure, lastCompletionResult).RunId;
}
