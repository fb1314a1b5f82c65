using Temporalio.Activities;
using Temporalio.Workflows;

namespace OmniFlow.TemporalServer.Benchmarks;

[Workflow]
public sealed class OneActivityWorkflow
{
    [WorkflowRun]
    public async Task<int> RunAsync(int value) =>
        await Workflow.ExecuteActivityAsync(
            (BenchmarkActivities a) => a.Increment(value),
            new() { StartToCloseTimeout = TimeSpan.FromSeconds(30) });
}

[Workflow]
public sealed class TimerAndSignalWorkflow
{
    private bool _signalled;

    [WorkflowRun]
    public async Task<bool> RunAsync()
    {
        await Workflow.DelayAsync(TimeSpan.FromMilliseconds(50));
        await Workflow.WaitConditionAsync(() => _signalled);
        return _signalled;
    }

    [WorkflowSignal]
    public Task GoAsync()
    {
        _signalled = true;
        return Task.CompletedTask;
    }
}

/// <summary>Some activities, then open until told to finish: a run with some history that queries find in a worker's cache.</summary>
[Workflow]
public sealed class QueriedWorkflow
{
    private bool _finish;

    [WorkflowQuery]
    public int Steps { get; private set; }

    [WorkflowRun]
    public async Task<int> RunAsync(int steps)
    {
        while (Steps < steps)
        {
            Steps = await Workflow.ExecuteActivityAsync(
                (BenchmarkActivities a) => a.Increment(Steps),
                new() { StartToCloseTimeout = TimeSpan.FromSeconds(30) });
        }

        await Workflow.WaitConditionAsync(() => _finish);
        return Steps;
    }

    [WorkflowSignal]
    public Task FinishAsync()
    {
        _finish = true;
        return Task.CompletedTask;
    }
}

public sealed class BenchmarkActivities
{
    [Activity]
    public int Increment(int value) => value + 1;
}
