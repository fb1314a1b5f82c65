using OmniFlow.Tests.TemporalServer.Infrastructure;
using OmniFlow.Tests.TemporalServer.Workflows;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.OperatorService.V1;
using Temporalio.Client;
using Temporalio.Common;
using Temporalio.Exceptions;

namespace OmniFlow.Tests.TemporalServer;

/// <summary>List/Count with the visibility query language and OperatorService search attributes, end to end.</summary>
[Collection(TemporalServerCollection.Name)]
public sealed class VisibilityServerTests(TimeSkippingServerFixture fixture) : IDisposable
{
    private readonly ServerHarness _harness = new(fixture.Environment, fixture.Logs);

    public void Dispose() => _harness.Dispose();

    private async Task RegisterAttributesAsync()
    {
        var request = new AddSearchAttributesRequest { Namespace = _harness.Client.Options.Namespace };
        request.SearchAttributes.Add(TaggedWorkflow.Tier.Name, IndexedValueType.Keyword);
        request.SearchAttributes.Add(TaggedWorkflow.Amount.Name, IndexedValueType.Int);
        await _harness.Client.Connection.OperatorService.AddSearchAttributesAsync(request);
    }

    [Fact]
    public async Task List_and_count_filter_by_system_and_custom_attributes_and_group_by_status()
    {
        await RegisterAttributesAsync();
        var listed = await _harness.WithWorkerAsync(
            o => o.AddWorkflow<TaggedWorkflow>(),
            async () =>
            {
                var goldOptions = _harness.Options();
                goldOptions.TypedSearchAttributes = new SearchAttributeCollection.Builder().Set(TaggedWorkflow.Amount, 500).ToSearchAttributeCollection();
                var gold = await _harness.Client.StartWorkflowAsync((TaggedWorkflow wf) => wf.RunAsync("gold", false), goldOptions);
                await gold.GetResultAsync();
                var silver = await _harness.Client.StartWorkflowAsync((TaggedWorkflow wf) => wf.RunAsync("silver", true), _harness.Options());
                var bronze = await _harness.Client.StartWorkflowAsync((TaggedWorkflow wf) => wf.RunAsync("bronze", true), _harness.Options());
                for (var i = 0; i < 100 && !(await _harness.Client.Connection.WorkflowService.DescribeWorkflowExecutionAsync(new()
                {
                    Namespace = _harness.Client.Options.Namespace,
                    Execution = new() { WorkflowId = bronze.Id },
                })).WorkflowExecutionInfo.SearchAttributes.IndexedFields.ContainsKey(TaggedWorkflow.Tier.Name); i++)
                {
                    await Task.Delay(20);
                }

                var inQueue = $"TaskQueue = '{_harness.TaskQueue}'";
                var running = await ListAsync($"{inQueue} AND ExecutionStatus = 'Running' ORDER BY WorkflowId");
                Assert.Equal(new[] { silver.Id, bronze.Id }.Order(StringComparer.Ordinal), running.Select(r => r.Id));
                var byTier = await ListAsync($"{inQueue} AND (OmniTier = 'gold' OR OmniTier = 'bronze') AND WorkflowType = 'TaggedWorkflow'");
                Assert.Equal(new[] { gold.Id, bronze.Id }.Order(StringComparer.Ordinal), byTier.Select(r => r.Id).Order(StringComparer.Ordinal));
                var rich = await ListAsync($"{inQueue} AND OmniAmount >= 100");
                Assert.Equal(gold.Id, Assert.Single(rich).Id);

                var count = await _harness.Client.CountWorkflowsAsync($"{inQueue} GROUP BY ExecutionStatus");
                Assert.Equal(3, count.Count);
                Assert.Contains(count.Groups, g => g.Count == 2 && Equals(g.GroupValues.Single(), "Running"));
                Assert.Contains(count.Groups, g => g.Count == 1 && Equals(g.GroupValues.Single(), "Completed"));

                await silver.SignalAsync(wf => wf.ReleaseAsync());
                await bronze.SignalAsync(wf => wf.ReleaseAsync());
                await bronze.GetResultAsync();
                await silver.GetResultAsync();
                return await ListAsync($"{inQueue} AND ExecutionStatus = 'Completed'");
            });

        Assert.Equal(3, listed.Count);
    }

    [Fact]
    public async Task Describe_and_list_answer_whole_messages_while_the_workflow_upserts()
    {
        await RegisterAttributesAsync();
        const int Upserts = 300;
        var described = await _harness.WithWorkerAsync(o => o.AddWorkflow<GrowingTierWorkflow>(), async () =>
        {
            var handle = await _harness.Client.StartWorkflowAsync((GrowingTierWorkflow wf) => wf.RunAsync(Upserts), _harness.Options());
            var growing = Task.Run(async () =>
            {
                for (var length = 1; length <= Upserts; length++)
                {
                    await handle.SignalAsync(wf => wf.GrowAsync(length));
                }

                return await handle.GetResultAsync();
            });
            var reads = 0;
            async Task ReadUntilDoneAsync()
            {
                while (!growing.IsCompleted)
                {
                    await handle.DescribeAsync();
                    await foreach (var _ in _harness.Client.ListWorkflowsAsync($"WorkflowId = '{handle.Id}'"))
                    {
                    }

                    Interlocked.Increment(ref reads);
                }
            }

            await Task.WhenAll(ReadUntilDoneAsync(), ReadUntilDoneAsync(), ReadUntilDoneAsync());
            Assert.Equal(Upserts, await growing);
            return (await handle.DescribeAsync()).TypedSearchAttributes.Get(TaggedWorkflow.Tier);
        });

        Assert.Equal(new string('t', 1000 + Upserts), described);
    }

    [Fact]
    public async Task Upserting_an_unset_search_attribute_removes_it_from_describe_and_list()
    {
        await RegisterAttributesAsync();
        var handle = await _harness.WithWorkerAsync(o => o.AddWorkflow<UntaggedWorkflow>(), async () =>
        {
            var options = _harness.Options();
            options.TypedSearchAttributes = new SearchAttributeCollection.Builder()
                .Set(TaggedWorkflow.Tier, "gold").Set(TaggedWorkflow.Amount, 7).ToSearchAttributeCollection();
            var handle = await _harness.Client.StartWorkflowAsync((UntaggedWorkflow wf) => wf.RunAsync(), options);
            Assert.Equal("untagged", await handle.GetResultAsync());
            return handle;
        });

        var attributes = (await handle.DescribeAsync()).TypedSearchAttributes;
        Assert.False(attributes.ContainsKey(TaggedWorkflow.Tier));
        Assert.Equal(7, attributes.Get(TaggedWorkflow.Amount));
        Assert.Empty(await ListAsync($"TaskQueue = '{_harness.TaskQueue}' AND OmniTier = 'gold'"));
        Assert.Single(await ListAsync($"TaskQueue = '{_harness.TaskQueue}' AND OmniAmount = 7"));
        Assert.Contains(EventType.UpsertWorkflowSearchAttributes, await _harness.EventTypesAsync(handle));
        await _harness.AssertReplaysAsync(handle, o => o.AddWorkflow<UntaggedWorkflow>());
    }

    [Fact]
    public async Task Bad_query_and_unknown_search_attribute_are_invalid_arguments()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => ListAsync("WorkflowId = "));
        Assert.Equal(RpcException.StatusCode.InvalidArgument, error.Code);
        error = await Assert.ThrowsAsync<RpcException>(() => ListAsync("NoSuchAttribute = 'x'"));
        Assert.Equal(RpcException.StatusCode.InvalidArgument, error.Code);
        var options = _harness.Options();
        options.TypedSearchAttributes = new SearchAttributeCollection.Builder()
            .Set(SearchAttributeKey.CreateKeyword("NotRegistered"), "x").ToSearchAttributeCollection();
        error = await Assert.ThrowsAsync<RpcException>(() => _harness.Client.StartWorkflowAsync((TaggedWorkflow wf) => wf.RunAsync("x", false), options));
        Assert.Equal(RpcException.StatusCode.InvalidArgument, error.Code);
    }

    [Fact]
    public async Task Operator_service_adds_lists_and_removes_search_attributes()
    {
        var service = _harness.Client.Connection.OperatorService;
        var ns = _harness.Client.Options.Namespace;
        var name = $"Attr{Guid.NewGuid():N}";
        var add = new AddSearchAttributesRequest { Namespace = ns };
        add.SearchAttributes.Add(name, IndexedValueType.Double);
        await service.AddSearchAttributesAsync(add);
        var listed = await service.ListSearchAttributesAsync(new() { Namespace = ns });
        Assert.Equal(IndexedValueType.Double, listed.CustomAttributes[name]);
        Assert.True(listed.SystemAttributes.ContainsKey("WorkflowId"));

        var remove = new RemoveSearchAttributesRequest { Namespace = ns };
        remove.SearchAttributes.Add(name);
        await service.RemoveSearchAttributesAsync(remove);
        Assert.False((await service.ListSearchAttributesAsync(new() { Namespace = ns })).CustomAttributes.ContainsKey(name));
        var error = await Assert.ThrowsAsync<RpcException>(() => service.RemoveSearchAttributesAsync(remove));
        Assert.Equal(RpcException.StatusCode.NotFound, error.Code);
    }

    private async Task<List<WorkflowExecution>> ListAsync(string query)
    {
        var result = new List<WorkflowExecution>();
        await foreach (var execution in _harness.Client.ListWorkflowsAsync(query))
        {
            result.Add(execution);
        }

        return result;
    }
}
