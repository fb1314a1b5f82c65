using Temporalio.Common;
using Temporalio.Workflows;

namespace OmniFlow.Tests.TemporalServer.Workflows;

/// <summary>
/// How <see cref="ActivityBehaviourWorkflow"/> runs its activity. <paramref name="DefaultRetryPolicy"/> sends no retry
/// policy (the server's defaults apply); <paramref name="TaskQueue"/> sends the activity to another task queue.
/// </summary>
public sealed record ActivityPlan(
    int FailAttempts,
    bool NonRetryable = false,
    int MaximumAttempts = 0,
    TimeSpan? StartToClose = null,
    TimeSpan? SleepFor = null,
    TimeSpan? HeartbeatTimeout = null,
    TimeSpan? ScheduleToClose = null,
    TimeSpan? ScheduleToStart = null,
    string? TaskQueue = null,
    bool DefaultRetryPolicy = false,
    TimeSpan? RetryInterval = null);

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
                StartToCloseTimeout = plan.StartToClose ?? (plan.ScheduleToClose is null ? TimeSpan.FromSeconds(10) : null),
                ScheduleToCloseTimeout = plan.ScheduleToClose,
                ScheduleToStartTimeout = plan.ScheduleToStart,
                HeartbeatTimeout = plan.HeartbeatTimeout,
                TaskQueue = plan.TaskQueue,
                RetryPolicy = plan.DefaultRetryPolicy
                    ? null
                    : new RetryPolicy
                    {
                        InitialInterval = plan.RetryInterval ?? TimeSpan.FromSeconds(1),
                        MaximumAttempts = plan.MaximumAttempts,
                    },
            });
}
