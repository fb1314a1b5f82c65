using Temporalio.Common;
using Temporalio.Workflows;

namespace OmniFlow.Tests.TemporalServer.Workflows;

public sealed record ActivityPlan(
    int FailAttempts,
    bool NonRetryable = false,
    int MaximumAttempts = 0,
    TimeSpan? StartToClose = null,
    TimeSpan? SleepFor = null,
    TimeSpan? HeartbeatTimeout = null);

/// <summary>Runs one <see cref="FlakyActivities.Flaky"/> activity as the plan says and returns its result.</summary>
[Workflow]
public sealed class ActivityBehaviourWorkflow
{
    [WorkflowRun]
    public async Task<string> RunAsync(ActivityPlan plan) =>
        await Workflow.ExecuteActivityAsync(
            (FlakyActivities activities) => activities.Flaky(plan),
            new()
            {
                StartToCloseTimeout = plan.StartToClose ?? TimeSpan.FromSeconds(10),
                HeartbeatTimeout = plan.HeartbeatTimeout,
                RetryPolicy = new RetryPolicy
                {
                    InitialInterval = TimeSpan.FromSeconds(1),
                    MaximumAttempts = plan.MaximumAttempts,
                },
            });
}
