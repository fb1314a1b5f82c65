using Temporalio.Exceptions;
using Temporalio.Workflows;

namespace OmniFlow.Tests.TemporalServer.Workflows;

public enum ChildOutcome
{
    Complete,
    Fail,
    WaitForever,
}

/// <summary>A child that completes, fails, or waits for a signal (or forever).</summary>
[Workflow]
public sealed class ChildWorkflow
{
    private string? _signal;

    [WorkflowRun]
    public async Task<string> RunAsync(ChildOutcome outcome)
    {
        switch (outcome)
        {
            case ChildOutcome.Complete:
                return "child done";
            case ChildOutcome.Fail:
                throw new ApplicationFailureException("child broke", "ChildError");
            default:
                await Workflow.WaitConditionAsync(() => _signal is not null);
                return $"child got {_signal}";
        }
    }

    [WorkflowSignal]
    public Task PokeAsync(string value)
    {
        _signal = value;
        return Task.CompletedTask;
    }
}

public enum ParentAction
{
    AwaitChild,
    CancelChild,
    SignalChild,
    CompleteLeavingChild,
}

public sealed record ParentPlan(ChildOutcome Outcome, ParentAction Action, string ChildId, TimeSpan? ChildRunTimeout = null, ParentClosePolicy ClosePolicy = ParentClosePolicy.Terminate);

/// <summary>Starts one child and treats it as the plan says.</summary>
[Workflow]
public sealed class ParentWorkflow
{
    [WorkflowRun]
    public async Task<string> RunAsync(ParentPlan plan)
    {
        using var cancel = new CancellationTokenSource();
        var child = await Workflow.StartChildWorkflowAsync(
            (ChildWorkflow wf) => wf.RunAsync(plan.Outcome),
            new()
            {
                Id = plan.ChildId,
                RunTimeout = plan.ChildRunTimeout,
                ParentClosePolicy = plan.ClosePolicy,
                CancellationToken = cancel.Token,
            });
        switch (plan.Action)
        {
            case ParentAction.CancelChild:
                await Workflow.DelayAsync(TimeSpan.FromSeconds(1));
                cancel.Cancel();
                break;
            case ParentAction.SignalChild:
                await child.SignalAsync(wf => wf.PokeAsync("hello"));
                break;
            case ParentAction.CompleteLeavingChild:
                return "parent left";
        }

        return await child.GetResultAsync();
    }
}
