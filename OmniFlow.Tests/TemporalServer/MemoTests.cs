using OmniFlow.Tests.TemporalServer.Infrastructure;
using OmniFlow.Tests.TemporalServer.Workflows;
using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using Temporalio.Worker;

namespace OmniFlow.Tests.TemporalServer;

/// <summary>Memo at start, in Describe and List, changed by the workflow's UpsertMemo; bad search attribute upserts.</summary>
[Collection(TemporalServerCollection.Name)]
public sealed class MemoTests(TimeSkippingServerFixture fixture) : IDisposable
{
    private readonly ServerHarness _harness = new(fixture.Environment, fixture.Logs);

    public void Dispose() => _harness.Dispose();

    private async Task<IReadOnlyDictionary<string, string>> DescribedMemoAsync(WorkflowHandle handle) =>
        await DecodeAsync((await handle.DescribeAsync()).Memo);

    private static async Task<IReadOnlyDictionary<string, string>> DecodeAsync(IReadOnlyDictionary<string, Temporalio.Converters.IEncodedRawValue> memo)
    {
        var decoded = new Dictionary<string, string>();
        foreach (var (key, value) in memo)
        {
            decoded[key] = await value.ToValueAsync<string>();
        }

        return decoded;
    }

    [Fact]
    public async Task Memo_given_at_start_is_described_and_listed_and_upsert_memo_changes_it()
    {
        var handle = await _harness.WithWorkerAsync(o => o.AddWorkflow<MemoWorkflow>(), async () =>
        {
            var options = _harness.Options();
            options.Memo = new Dictionary<string, object> { ["stage"] = "started", ["drop"] = "me", ["keep"] = "kept" };
            var handle = await _harness.Client.StartWorkflowAsync((MemoWorkflow wf) => wf.RunAsync(), options);
            var started = new Dictionary<string, string> { ["stage"] = "started", ["drop"] = "me", ["keep"] = "kept" };
            Assert.Equal(started, await DescribedMemoAsync(handle));
            var listed = new List<WorkflowExecution>();
            await foreach (var execution in _harness.Client.ListWorkflowsAsync($"WorkflowId = '{handle.Id}'"))
            {
                listed.Add(execution);
            }

            Assert.Equal(started, await DecodeAsync(Assert.Single(listed).Memo));

            await handle.SignalAsync(wf => wf.AdvanceAsync());
            for (var i = 0; i < 100 && !(await _harness.EventTypesAsync(handle)).Contains(EventType.WorkflowPropertiesModified); i++)
            {
                await Task.Delay(20);
            }

            Assert.Equal(new Dictionary<string, string> { ["stage"] = "upserted", ["keep"] = "kept" }, await DescribedMemoAsync(handle));
            await handle.SignalAsync(wf => wf.AdvanceAsync());
            Assert.Equal("done", await handle.GetResultAsync());
            return handle;
        });

        var modified = (await _harness.HistoryAsync(handle)).Events.Single(e => e.EventType == EventType.WorkflowPropertiesModified);
        Assert.Equal(["drop", "stage"], modified.WorkflowPropertiesModifiedEventAttributes.UpsertedMemo.Fields.Keys.Order(StringComparer.Ordinal));
        await _harness.AssertReplaysAsync(handle, o => o.AddWorkflow<MemoWorkflow>());
    }

    [Fact]
    public async Task Upserting_an_unregistered_search_attribute_fails_the_workflow_task_with_bad_search_attributes()
    {
        // The SDK logs the rejected completion, which the shared sink treats as an alarm: its own client and sink.
        using var logs = new SdkLogSink();
        var client = await TemporalClient.ConnectAsync(new(fixture.Environment.Client.Connection.Options.TargetHost!)
        {
            Namespace = fixture.Environment.Client.Options.Namespace,
            Runtime = logs.Runtime,
            LoggerFactory = logs.Factory,
        });
        var taskQueue = ServerHarness.NewId("tq");
        using var worker = new TemporalWorker(client, new TemporalWorkerOptions(taskQueue) { LoggerFactory = logs.Factory }
            .AddWorkflow<UnregisteredSearchAttributeWorkflow>());
        var failed = await worker.ExecuteAsync(async () =>
        {
            var handle = await client.StartWorkflowAsync(
                (UnregisteredSearchAttributeWorkflow wf) => wf.RunAsync(), new WorkflowOptions(ServerHarness.NewId("bad-sa"), taskQueue));
            for (var i = 0; i < 200; i++)
            {
                var history = await handle.FetchHistoryAsync();
                if (history.Events.FirstOrDefault(e => e.EventType == EventType.WorkflowTaskFailed) is { } found)
                {
                    Assert.DoesNotContain(history.Events, e => e.EventType == EventType.UpsertWorkflowSearchAttributes);
                    await handle.TerminateAsync();
                    return found;
                }

                await Task.Delay(25);
            }

            throw new InvalidOperationException("the workflow task was never failed");
        }, TestContext.Current.CancellationToken);

        Assert.Equal(WorkflowTaskFailedCause.BadSearchAttributes, failed.WorkflowTaskFailedEventAttributes.Cause);
        Assert.Equal(
            $"Namespace {fixture.Environment.Client.Options.Namespace} has no mapping defined for search attribute OmniNeverRegistered",
            failed.WorkflowTaskFailedEventAttributes.Failure.Message);
    }
}
