using Temporalio.Common;
using Temporalio.Workflows;

namespace OmniFlow.Tests.TemporalServer.Workflows;

/// <summary>On "advance" it upserts its memo (sets stage, unsets drop); on "finish" it completes.</summary>
[Workflow]
public sealed class MemoWorkflow
{
    private int _signals;

    [WorkflowRun]
    public async Task<string> RunAsync()
    {
        await Workflow.WaitConditionAsync(() => _signals >= 1);
        Workflow.UpsertMemo(MemoUpdate.ValueSet("stage", "upserted"), MemoUpdate.ValueUnset("drop"));
        await Workflow.WaitConditionAsync(() => _signals >= 2);
        return "done";
    }

    [WorkflowSignal]
    public Task AdvanceAsync()
    {
        _signals++;
        return Task.CompletedTask;
    }
}

/// <summary>Upserts a search attribute the namespace never registered.</summary>
[Workflow]
public sealed class UnregisteredSearchAttributeWorkflow
{
    public static readonly SearchAttributeKey<string> Unregistered = SearchAttributeKey.CreateKeyword("OmniNeverRegistered");

    [WorkflowRun]
    public async Task RunAsync()
    {
        Workflow.UpsertTypedSearchAttributes(Unregistered.ValueSet("x"));
        await Workflow.DelayAsync(TimeSpan.FromDays(1));
    }
}
