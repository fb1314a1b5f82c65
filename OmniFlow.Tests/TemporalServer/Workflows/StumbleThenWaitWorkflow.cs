using System.Collections.Concurrent;
using Temporalio.Workflows;

namespace OmniFlow.Tests.TemporalServer.Workflows;

/// <summary>Fails its first activations (workflow task failures), then waits for the "go" signal and completes.</summary>
[Workflow]
public sealed class StumbleThenWaitWorkflow
{
    private static readonly ConcurrentDictionary<string, int> Activations = new();
    private bool _go;

    public static int ActivationsOf(string workflowId) => Activations.GetValueOrDefault(workflowId);

    [WorkflowRun]
    public async Task<int> RunAsync(int failures)
    {
        var activation = Activations.AddOrUpdate(Workflow.Info.WorkflowId, 1, (_, seen) => seen + 1);
        if (activation <= failures)
        {
            throw new InvalidOperationException($"stumbled on activation {activation}");
        }

        await Workflow.WaitConditionAsync(() => _go);
        return activation;
    }

    [WorkflowSignal("go")]
    public Task GoAsync()
    {
        _go = true;
        return Task.CompletedTask;
    }
}
