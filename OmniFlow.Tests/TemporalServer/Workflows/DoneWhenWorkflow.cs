using Temporalio.Common;
using Temporalio.Workflows;

namespace OmniFlow.Tests.TemporalServer.Workflows;

/// <summary>How long <see cref="DoneWhenWorkflow"/>'s timer runs, and the server's backoff before its activity's retry.</summary>
public sealed record DoneWhenPlan(TimeSpan Timer, TimeSpan RetryInterval, string ChildId);

/// <summary>
/// Everything the "done when" names, in one workflow: an activity the server retries, a wait for a signal with
/// a deadline timer that the signal cancels, a query, a timer, a child workflow, then continue-as-new; the second run
/// returns what the first one gathered.
/// </summary>
[Workflow]
public sealed class DoneWhenWorkflow
{
    private string? _approver;

    [WorkflowQuery]
    public string Status { get; private set; } = "started";

    [WorkflowRun]
    public async Task<string> RunAsync(DoneWhenPlan plan, string? gathered)
    {
        if (gathered is not null)
        {
            Status = "continued";
            return $"{gathered}; continued as new";
        }

        var activity = await Workflow.ExecuteActivityAsync(
            (FlakyActivities a) => a.Flaky(new ActivityPlan(FailAttempts: 1)),
            new()
            {
                StartToCloseTimeout = TimeSpan.FromSeconds(10),
                RetryPolicy = new RetryPolicy { InitialInterval = plan.RetryInterval, MaximumAttempts = 3 },
            });
        Status = "waiting for approval";
        if (!await Workflow.WaitConditionAsync(() => _approver is not null, TimeSpan.FromDays(1)))
        {
            return "nobody approved";
        }

        Status = "sleeping";
        await Workflow.DelayAsync(plan.Timer);
        Status = "running child";
        var child = await Workflow.ExecuteChildWorkflowAsync(
            (ChildWorkflow wf) => wf.RunAsync(ChildOutcome.Complete), new() { Id = plan.ChildId });
        throw Workflow.CreateContinueAsNewException((DoneWhenWorkflow wf) =>
            wf.RunAsync(plan, $"{activity}; approved by {_approver}; {child}"));
    }

    [WorkflowSignal]
    public Task ApproveAsync(string approver)
    {
        _approver = approver;
        return Task.CompletedTask;
    }
}
