using Temporalio.Activities;
using Temporalio.Workflows;

namespace OmniFlow.Tests.TemporalServer.Workflows;

/// <summary>Continues as new until the counter reaches zero, carrying the running total.</summary>
[Workflow]
public sealed class CountdownWorkflow
{
    [WorkflowRun]
    public async Task<int> RunAsync(int remaining, int total)
    {
        await Workflow.DelayAsync(TimeSpan.FromSeconds(10));
        if (remaining == 0)
        {
            return total;
        }

        throw Workflow.CreateContinueAsNewException((CountdownWorkflow wf) => wf.RunAsync(remaining - 1, total + remaining));
    }
}

/// <summary>Waits a day on a timer (to be canceled or terminated).</summary>
[Workflow]
public sealed class SleeperWorkflow
{
    [WorkflowRun]
    public async Task<string> RunAsync()
    {
        await Workflow.DelayAsync(TimeSpan.FromDays(1));
        return "woke up";
    }
}

/// <summary>Runs a heartbeating activity that only ends when cancelled; reports how it ended.</summary>
[Workflow]
public sealed class CancellableActivityWorkflow
{
    [WorkflowRun]
    public async Task<string> RunAsync()
    {
        try
        {
            await Workflow.ExecuteActivityAsync(
                (HeartbeatActivities a) => a.HeartbeatUntilCancelledAsync(),
                new()
                {
                    StartToCloseTimeout = TimeSpan.FromMinutes(1),
                    HeartbeatTimeout = TimeSpan.FromSeconds(5),
                    CancellationType = ActivityCancellationType.WaitCancellationCompleted,
                });
            return "activity finished";
        }
        catch (Temporalio.Exceptions.ActivityFailureException ex) when (ex.InnerException is Temporalio.Exceptions.CanceledFailureException)
        {
            return "activity cancelled";
        }
    }
}

public sealed class HeartbeatActivities
{
    [Activity]
    public async Task HeartbeatUntilCancelledAsync()
    {
        var context = ActivityExecutionContext.Current;
        while (true)
        {
            context.Heartbeat("beat");
            await Task.Delay(100, context.CancellationToken);
        }
    }
}

/// <summary>A local activity followed by a signal-driven loop that writes many events.</summary>
[Workflow]
public sealed class ChattyWorkflow
{
    private int _signals;

    [WorkflowRun]
    public async Task<int> RunAsync(int expected)
    {
        var local = await Workflow.ExecuteLocalActivityAsync(
            (LocalActivities a) => a.Double(21),
            new() { StartToCloseTimeout = TimeSpan.FromSeconds(10) });
        await Workflow.WaitConditionAsync(() => _signals >= expected);
        return local + _signals;
    }

    [WorkflowSignal]
    public Task BumpAsync()
    {
        _signals++;
        return Task.CompletedTask;
    }
}

public sealed class LocalActivities
{
    [Activity]
    public int Double(int value) => value * 2;
}
