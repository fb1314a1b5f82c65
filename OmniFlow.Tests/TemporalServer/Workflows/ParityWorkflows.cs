using Temporalio.Activities;
using Temporalio.Workflows;

namespace OmniFlow.Tests.TemporalServer.Workflows;

/// <summary>Branches on the build id of the worker that runs its second task: a replay must see the same one.</summary>
[Workflow]
public sealed class BuildIdWorkflow
{
    [WorkflowRun]
    public async Task<string> RunAsync()
    {
        await Workflow.DelayAsync(TimeSpan.FromSeconds(1));
        var buildId = Workflow.CurrentBuildId ?? "";
        if (buildId.Length > 0)
        {
            await Workflow.DelayAsync(TimeSpan.FromSeconds(1));
        }

        return buildId;
    }
}

/// <summary>
/// Runs an activity only on build "1.0" and then waits for <see cref="Finish"/>: a worker of another build replaying
/// it must see the build id each task was completed with, or the activity is a nondeterminism.
/// </summary>
[Workflow]
public sealed class BuildIdBranchWorkflow
{
    private bool _finish;

    [Activity]
    public static string SayHi() => "hi";

    [WorkflowRun]
    public async Task RunAsync()
    {
        await Workflow.DelayAsync(TimeSpan.FromMilliseconds(1));
        if (Workflow.CurrentBuildId == "1.0")
        {
            await Workflow.ExecuteActivityAsync(() => SayHi(), new() { ScheduleToCloseTimeout = TimeSpan.FromHours(1) });
        }

        await Workflow.WaitConditionAsync(() => _finish);
    }

    [WorkflowSignal]
    public Task Finish()
    {
        _finish = true;
        return Task.CompletedTask;
    }

    [WorkflowQuery]
    public string BuildId() => Workflow.CurrentBuildId ?? "";
}

/// <summary>Sleeps in short steps until the server suggests continuing as new; returns how many steps it took.</summary>
[Workflow]
public sealed class SuggestedContinueAsNewWorkflow
{
    [WorkflowRun]
    public async Task<int> RunAsync(int maxSteps)
    {
        var steps = 0;
        while (!Workflow.ContinueAsNewSuggested && steps < maxSteps)
        {
            await Workflow.DelayAsync(TimeSpan.FromSeconds(1));
            steps++;
        }

        return Workflow.ContinueAsNewSuggested ? steps : -1;
    }
}
