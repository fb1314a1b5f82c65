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
