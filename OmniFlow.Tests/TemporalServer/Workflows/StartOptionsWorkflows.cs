using Temporalio.Activities;
using Temporalio.Client;
using Temporalio.Workflows;

namespace OmniFlow.Tests.TemporalServer.Workflows;

/// <summary>Returns the signals it got before its first workflow task, and when it started running.</summary>
[Workflow]
public sealed class InboxWorkflow
{
    private readonly List<string> _inbox = [];

    [WorkflowRun]
    public async Task<string> RunAsync()
    {
        await Workflow.WaitConditionAsync(() => _inbox.Count > 0);
        return string.Join(",", _inbox);
    }

    [WorkflowSignal]
    public Task PostAsync(string message)
    {
        _inbox.Add(message);
        return Task.CompletedTask;
    }
}

/// <summary>Its activity is completed from outside by id (async completion).</summary>
[Workflow]
public sealed class ExternallyCompletedWorkflow
{
    [WorkflowRun]
    public async Task<string> RunAsync() =>
        await Workflow.ExecuteActivityAsync(
            (ExternalActivities a) => a.WaitForOutsideAsync(),
            new() { StartToCloseTimeout = TimeSpan.FromMinutes(1), ActivityId = "external" });
}

public sealed class ExternalActivities
{
    [Activity]
    public Task<string> WaitForOutsideAsync() => throw new CompleteAsyncException();
}

/// <summary>An activity that stops heartbeating on its first attempt; the heartbeat timeout retries it.</summary>
[Workflow]
public sealed class HeartbeatTimeoutWorkflow
{
    [WorkflowRun]
    public async Task<int> RunAsync() =>
        await Workflow.ExecuteActivityAsync(
            (SilentActivities a) => a.GoSilentOnFirstAttemptAsync(),
            new()
            {
                StartToCloseTimeout = TimeSpan.FromMinutes(1),
                HeartbeatTimeout = SilentActivities.HeartbeatTimeout,
                RetryPolicy = new() { InitialInterval = TimeSpan.FromMilliseconds(100) },
            });
}

public sealed class SilentActivities
{
    /// <summary>
    /// Runs on the real clock (an attempt in flight holds time skipping back), so the second attempt, which answers at
    /// once, must reach the server within it even on a loaded machine: 500 ms was seen to be too short.
    /// </summary>
    public static readonly TimeSpan HeartbeatTimeout = TimeSpan.FromSeconds(2);

    [Activity]
    public async Task<int> GoSilentOnFirstAttemptAsync()
    {
        var context = ActivityExecutionContext.Current;
        if (context.Info.Attempt == 1)
        {
            await Task.Delay(HeartbeatTimeout * 5, context.CancellationToken);
        }

        return context.Info.Attempt;
    }
}

/// <summary>Like <see cref="ExternallyCompletedWorkflow"/>, but a cancellation of the workflow waits for the activity's.</summary>
[Workflow]
public sealed class ExternallyResolvedWorkflow
{
    [WorkflowRun]
    public async Task<string> RunAsync()
    {
        try
        {
            return await Workflow.ExecuteActivityAsync(
                (ExternalActivities a) => a.WaitForOutsideAsync(),
                new()
                {
                    StartToCloseTimeout = TimeSpan.FromMinutes(1),
                    ActivityId = "external",
                    CancellationType = ActivityCancellationType.WaitCancellationCompleted,
                });
        }
        catch (Temporalio.Exceptions.ActivityFailureException ex) when (ex.InnerException is Temporalio.Exceptions.CanceledFailureException)
        {
            return "cancelled outside";
        }
    }
}
