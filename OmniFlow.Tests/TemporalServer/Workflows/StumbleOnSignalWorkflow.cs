using System.Collections.Concurrent;
using Temporalio.Workflows;

namespace OmniFlow.Tests.TemporalServer.Workflows;

/// <summary>Waits for the "go" signal; the first time it handles it, it throws (a workflow task failure), then completes.</summary>
[Workflow]
public sealed class StumbleOnSignalWorkflow
{
    private static readonly ConcurrentDictionary<string, int> Deliveries = new();
    private bool _go;

    [WorkflowRun]
    public async Task<string> RunAsync()
    {
        await Workflow.WaitConditionAsync(() => _go);
        return "done";
    }

    [WorkflowSignal("go")]
    public Task GoAsync()
    {
        if (Deliveries.AddOrUpdate(Workflow.Info.WorkflowId, 1, (_, seen) => seen + 1) == 1)
        {
            throw new InvalidOperationException("stumbled on the signal");
        }

        _go = true;
        return Task.CompletedTask;
    }
}
