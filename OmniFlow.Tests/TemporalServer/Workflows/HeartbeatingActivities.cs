using Temporalio.Activities;
using Temporalio.Exceptions;

namespace OmniFlow.Tests.TemporalServer.Workflows;

/// <summary>Activities that report progress through heartbeat details.</summary>
public sealed class HeartbeatingActivities
{
    /// <summary>Attempt 1 heartbeats its progress and fails; attempt 2 returns the details it was handed.</summary>
    [Activity]
    public async Task<string> ResumeFromHeartbeatAsync()
    {
        var context = ActivityExecutionContext.Current;
        if (context.Info.Attempt == 1)
        {
            context.Heartbeat("progress of attempt 1");
            throw new ApplicationFailureException("attempt 1 failed after its heartbeat", "ResumeError");
        }

        var details = context.Info.HeartbeatDetails;
        return details.Count == 0
            ? "no heartbeat details"
            : $"attempt {context.Info.Attempt} resumed from: {await context.Info.HeartbeatDetailAtAsync<string>(0)}";
    }

    /// <summary>Heartbeats once, then goes silent until cancelled.</summary>
    [Activity]
    public async Task<string> BeatOnceThenGoSilentAsync()
    {
        var context = ActivityExecutionContext.Current;
        context.Heartbeat("last words");
        await Task.Delay(TimeSpan.FromSeconds(5), context.CancellationToken);
        return "not expected";
    }
}

/// <summary>Runs one of <see cref="HeartbeatingActivities"/>; the silent one with a short heartbeat timeout and one attempt.</summary>
[Temporalio.Workflows.Workflow]
public sealed class HeartbeatDetailsWorkflow
{
    [Temporalio.Workflows.WorkflowRun]
    public async Task<string> RunAsync(bool goSilent) =>
        goSilent
            ? await Temporalio.Workflows.Workflow.ExecuteActivityAsync(
                (HeartbeatingActivities a) => a.BeatOnceThenGoSilentAsync(),
                new()
                {
                    StartToCloseTimeout = TimeSpan.FromMinutes(1),
                    HeartbeatTimeout = TimeSpan.FromMilliseconds(500),
                    RetryPolicy = new() { MaximumAttempts = 1 },
                })
            : await Temporalio.Workflows.Workflow.ExecuteActivityAsync(
                (HeartbeatingActivities a) => a.ResumeFromHeartbeatAsync(),
                new()
                {
                    StartToCloseTimeout = TimeSpan.FromMinutes(1),
                    RetryPolicy = new() { InitialInterval = TimeSpan.FromMilliseconds(100) },
                });
}
