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
    /// <summary>The next run, which starts at <paramref name="StartTime"/>, the clock reading its backoff counts from.</summary>
    private sealed record Successor(ContinueAsNewInitiator Initiator, DateTimeOffset StartTime, TimeSpan Backoff);

    private DateTimeOffset? ExecutionExpiration => Started.WorkflowExecutionExpirationTime?.ToDateTimeOffset();

    private (Successor? Next, RetryState State) SuccessorAfterFailure(Failure failure)
    {
        var now = Now;
        var state = RetryState.RetryPolicyNotSet;
        if (Started.RetryPolicy is { } policy)
        {
            (var backoff, state) = RetryPolicies.NextWorkflowRetry(policy, Started.Attempt, failure, now, ExecutionExpiration);
            if (backoff is { } delay)
            {
                return (new Successor(ContinueAsNewInitiator.Retry, now, delay), state);
            }
        }

        return (NextCronRun(now), state);
    }

    private Successor? NextCronRun(DateTimeOffset now) =>
        Started.CronSchedule is { Length: > 0 } schedule && CronSchedules.Backoff(schedule, ExecutionTime, now) is { } backoff
            ? new Successor(ContinueAsNewInitiator.CronSchedule, now, backoff)
            : null;

    /// <summary>Starts the successor, if any; its run id for the closing event, or "" when the chain ends here.</summary>
    private string StartSuccessor(Successor? successor, Failure? failure, Payloads? lastCompletionResult) =>
        successor is null
            ? ""
            : _context.Directory.StartSuccessor(this, successor.Initiator, successor.StartTime, successor.Backoff, failure, lastCompletionResult).RunId;
}
