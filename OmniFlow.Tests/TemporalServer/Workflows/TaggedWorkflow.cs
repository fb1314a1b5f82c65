using Temporalio.Common;
using Temporalio.Workflows;

namespace OmniFlow.Tests.TemporalServer.Workflows;

/// <summary>Upserts its tier search attribute, then completes or waits for a signal.</summary>
[Workflow]
public sealed class TaggedWorkflow
{
    public static readonly SearchAttributeKey<string> Tier = SearchAttributeKey.CreateKeyword("OmniTier");
    public static readonly SearchAttributeKey<long> Amount = SearchAttributeKey.CreateLong("OmniAmount");

    private bool _release;

    [WorkflowRun]
    public async Task<string> RunAsync(string tier, bool wait)
    {
        Workflow.UpsertTypedSearchAttributes(Tier.ValueSet(tier));
        if (wait)
        {
            await Workflow.WaitConditionAsync(() => _release);
        }

        return tier;
    }

    [WorkflowSignal]
    public Task ReleaseAsync()
    {
        _release = true;
        return Task.CompletedTask;
    }
}

/// <summary>Removes the tier it was started with.</summary>
[Workflow]
public sealed class UntaggedWorkflow
{
    [WorkflowRun]
    public Task<string> RunAsync()
    {
        Workflow.UpsertTypedSearchAttributes(TaggedWorkflow.Tier.ValueUnset());
        return Task.FromResult("untagged");
    }
}

/// <summary>Upserts its tier once per signal, each time one character longer than 1000, until told the length to stop at.</summary>
[Workflow]
public sealed class GrowingTierWorkflow
{
    private int _length;

    [WorkflowRun]
    public async Task<int> RunAsync(int until)
    {
        var upserted = 0;
        while (upserted < until)
        {
            await Workflow.WaitConditionAsync(() => _length > upserted);
            upserted = _length;
            Workflow.UpsertTypedSearchAttributes(TaggedWorkflow.Tier.ValueSet(new string('t', 1000 + upserted)));
        }

        return upserted;
    }

    [WorkflowSignal]
    public Task GrowAsync(int length)
    {
        _length = length;
        return Task.CompletedTask;
    }
}
