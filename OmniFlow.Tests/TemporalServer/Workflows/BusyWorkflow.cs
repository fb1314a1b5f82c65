using Temporalio.Workflows;

namespace OmniFlow.Tests.TemporalServer.Workflows;

/// <summary>Many short steps, each a local activity then an activity: workflow tasks follow one another without pause.</summary>
[Workflow]
public sealed class BusyWorkflow
{
    [WorkflowQuery]
    public int Step { get; private set; }

    [WorkflowRun]
    public async Task<int> RunAsync(int steps)
    {
        var options = new LocalActivityOptions { StartToCloseTimeout = TimeSpan.FromSeconds(10) };
        var remote = new ActivityOptions { StartToCloseTimeout = TimeSpan.FromSeconds(10) };
        while (Step < steps)
        {
            await Workflow.ExecuteLocalActivityAsync((LocalActivities a) => a.Double(Step), options);
            await Workflow.ExecuteActivityAsync((GreetingActivities a) => a.Greet("step"), remote);
            Step++;
        }

        return Step;
    }
}
