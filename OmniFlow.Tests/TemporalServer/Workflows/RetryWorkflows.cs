using Temporalio.Common;
using Temporalio.Exceptions;
using Temporalio.Workflows;

namespace OmniFlow.Tests.TemporalServer.Workflows;

/// <summary>Fails the run (an application failure of the given type) until the given attempt, then returns the attempt.</summary>
[Workflow]
public sealed class FailUntilAttemptWorkflow
{
    /// <summary>A <paramref name="succeedOnAttempt"/> of 0 never succeeds.</summary>
    [WorkflowRun]
    public Task<int> RunAsync(int succeedOnAttempt, string errorType)
    {
        var attempt = Workflow.Info.Attempt;
        if (succeedOnAttempt <= 0 || attempt < succeedOnAttempt)
        {
            throw new ApplicationFailureException($"attempt {attempt} failed", errorType);
        }

        return Task.FromResult(attempt);
    }
}

/// <summary>Runs <see cref="FailUntilAttemptWorkflow"/> as a child with a retry policy and returns the child's result.</summary>
[Workflow]
public sealed class RetryingChildParentWorkflow
{
    [WorkflowRun]
    public Task<int> RunAsync(string childId, int succeedOnAttempt) =>
        Workflow.ExecuteChildWorkflowAsync(
            (FailUntilAttemptWorkflow wf) => wf.RunAsync(succeedOnAttempt, "Flaky"),
            new ChildWorkflowOptions
            {
                Id = childId,
                RetryPolicy = new RetryPolicy { InitialInterval = TimeSpan.FromSeconds(1), MaximumAttempts = 3 },
            });
}
