using System.Collections.Concurrent;
using Temporalio.Activities;
using Temporalio.Workflows;

namespace OmniFlow.Tests.TemporalServer.Workflows;

/// <summary>A timer, an activity, a signal and an update: everything a restart must carry across.</summary>
[Workflow]
public sealed class DurableWorkflow
{
    private string? _signal;
    private string? _update;

    [WorkflowRun]
    public async Task<string> RunAsync(int number)
    {
        await Workflow.DelayAsync(TimeSpan.FromMilliseconds(500 + (number % 7 * 300)));
        var doubled = await Workflow.ExecuteActivityAsync(
            (DurableActivities a) => a.DoubleAsync(number),
            new() { StartToCloseTimeout = TimeSpan.FromSeconds(60) });
        await Workflow.WaitConditionAsync(() => _signal is not null && _update is not null);
        await Workflow.DelayAsync(TimeSpan.FromMilliseconds(200));
        return $"{doubled}:{_signal}:{_update}";
    }

    [WorkflowSignal]
    public Task SignalAsync(string value)
    {
        _signal = value;
        return Task.CompletedTask;
    }

    [WorkflowUpdate]
    public Task<string> UpdateAsync(string value)
    {
        _update = value;
        return Task.FromResult("accepted " + value);
    }
}

/// <summary>Counts every run of the activity, per workflow number: a restart must not run one twice.</summary>
public sealed class DurableActivities
{
    public ConcurrentDictionary<int, int> Runs { get; } = new();

    [Activity]
    public async Task<int> DoubleAsync(int number)
    {
        Runs.AddOrUpdate(number, 1, (_, n) => n + 1);
        await Task.Delay(50 + (number % 5 * 100));
        return number * 2;
    }
}

/// <summary>Sleeps for the given time, then runs an activity that reports its task token.</summary>
[Workflow]
public sealed class NapWorkflow
{
    [WorkflowRun]
    public async Task<string> RunAsync(int milliseconds)
    {
        await Workflow.DelayAsync(TimeSpan.FromMilliseconds(milliseconds));
        return await Workflow.ExecuteActivityAsync(
            (TokenActivities a) => a.Token(),
            new() { StartToCloseTimeout = TimeSpan.FromSeconds(30) });
    }
}

public sealed class TokenActivities
{
    [Activity]
    public string Token() => Convert.ToBase64String(ActivityExecutionContext.Current.Info.TaskToken);
}
