using Temporalio.Activities;
using Temporalio.Exceptions;

namespace OmniFlow.Tests.TemporalServer.Workflows;

/// <summary>Fails the first attempts as planned; attempt numbers come from the server.</summary>
public sealed class FlakyActivities
{
    [Activity]
    public async Task<string> Flaky(ActivityPlan plan)
    {
        var info = ActivityExecutionContext.Current.Info;
        if (plan.SleepFor is { } sleep && info.Attempt <= plan.FailAttempts)
        {
            await Task.Delay(sleep, ActivityExecutionContext.Current.CancellationToken);
        }

        if (info.Attempt <= plan.FailAttempts)
        {
            throw new ApplicationFailureException($"attempt {info.Attempt} failed", "FlakyError", nonRetryable: plan.NonRetryable);
        }

        return $"succeeded on attempt {info.Attempt}";
    }
}
