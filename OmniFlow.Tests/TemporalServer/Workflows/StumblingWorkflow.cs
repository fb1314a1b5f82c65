using System.Collections.Concurrent;
using Temporalio.Workflows;

namespace OmniFlow.Tests.TemporalServer.Workflows;

/// <summary>Throws a plain exception (a workflow task failure, not a workflow failure) on its first activations, then completes.</summary>
[Workflow]
public sealed class StumblingWorkflow
{
    private static readonly ConcurrentDictionary<string, int> Activations = new();

    [WorkflowRun]
    public Task<int> RunAsync(int failures)
    {
        var activation = Activations.AddOrUpdate(Workflow.Info.WorkflowId, 1, (_, seen) => seen + 1);
        if (activation <= failures)
        {
            throw new InvalidOperationException($"stumbled on activation {activation}");
        }

        return Task.FromResult(activation);
    }
}
