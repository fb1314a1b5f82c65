using Temporalio.Workflows;

namespace OmniFlow.Tests.TemporalServer.Workflows;

/// <summary>An activity, then waits up to 30 minutes for an approval signal; its status is queryable.</summary>
[Workflow]
public sealed class ApprovalWorkflow
{
    private bool _approved;

    [WorkflowQuery]
    public string Status { get; private set; } = "created";

    [WorkflowRun]
    public async Task<string> RunAsync(string name)
    {
        var greeting = await Workflow.ExecuteActivityAsync(
            (GreetingActivities activities) => activities.Greet(name),
            new() { StartToCloseTimeout = TimeSpan.FromSeconds(10) });
        Status = "waiting";
        var approved = await Workflow.WaitConditionAsync(() => _approved, TimeSpan.FromMinutes(30));
        Status = approved ? "approved" : "expired";
        return $"{greeting}: {Status}";
    }

    [WorkflowSignal]
    public Task ApproveAsync()
    {
        _approved = true;
        return Task.CompletedTask;
    }
}
