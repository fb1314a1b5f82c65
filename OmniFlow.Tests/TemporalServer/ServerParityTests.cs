using OmniFlow.Tests.TemporalServer.Infrastructure;
using OmniFlow.Tests.TemporalServer.Workflows;
using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using Temporalio.Exceptions;
using Temporalio.Worker;

namespace OmniFlow.Tests.TemporalServer;

/// <summary>Answers and recorded fields matched to a real server's (histories in shared/reference/temporal-histories).</summary>
[Collection(TemporalServerCollection.Name)]
public sealed class ServerParityTests(TimeSkippingServerFixture fixture) : IDisposable
{
    private readonly ServerHarness _harness = new(fixture.Environment, fixture.Logs);

    public void Dispose() => _harness.Dispose();

    [Fact]
    public async Task Canceling_a_closed_workflow_succeeds_and_an_unknown_one_is_not_found()
    {
        var handle = await _harness.Client.StartWorkflowAsync((InboxWorkflow wf) => wf.RunAsync(), _harness.Options());
        await handle.TerminateAsync("closing");

        await handle.CancelAsync();
        await _harness.Client.GetWorkflowHandle(handle.Id).CancelAsync();
        var types = await _harness.EventTypesAsync(handle);
        Assert.Equal(EventType.WorkflowExecutionTerminated, types[^1]);
        Assert.DoesNotContain(EventType.WorkflowExecutionCancelRequested, types);

        var unknown = _harness.Client.GetWorkflowHandle(ServerHarness.NewId("never-started"));
        Assert.Equal(RpcException.StatusCode.NotFound, (await Assert.ThrowsAsync<RpcException>(() => unknown.CancelAsync())).Code);
    }

    [Fact]
    public async Task An_unknown_search_attribute_is_named_in_the_real_servers_words()
    {
        var options = _harness.Options();
        options.TypedSearchAttributes = new Temporalio.Common.SearchAttributeCollection.Builder()
            .Set(Temporalio.Common.SearchAttributeKey.CreateKeyword("OmniNoSuchAttribute"), "x")
            .ToSearchAttributeCollection();
        var failure = await Assert.ThrowsAsync<RpcException>(() => _harness.Client.StartWorkflowAsync((InboxWorkflow wf) => wf.RunAsync(), options));
        Assert.Equal(RpcException.StatusCode.InvalidArgument, failure.Code);
        Assert.Equal($"Namespace {_harness.Client.Options.Namespace} has no mapping defined for search attribute OmniNoSuchAttribute", failure.Message);
    }

    [Fact]
    public async Task Timeouts_not_given_are_left_unset_and_given_ones_are_recorded()
    {
        var bare = await _harness.Client.StartWorkflowAsync((InboxWorkflow wf) => wf.RunAsync(), _harness.Options());
        var timed = await _harness.Client.StartWorkflowAsync(
            (InboxWorkflow wf) => wf.RunAsync(),
            new WorkflowOptions(ServerHarness.NewId("wf"), _harness.TaskQueue) { ExecutionTimeout = TimeSpan.FromHours(2), RunTimeout = TimeSpan.FromHours(1) });
        try
        {
            var started = (await _harness.HistoryAsync(bare)).Events.First().WorkflowExecutionStartedEventAttributes;
            Assert.Null(started.WorkflowExecutionTimeout);
            Assert.Null(started.WorkflowRunTimeout);
            Assert.Null(started.WorkflowExecutionExpirationTime);
            Assert.Equal(TimeSpan.FromSeconds(10), started.WorkflowTaskTimeout.ToTimeSpan());
            var config = (await _harness.Client.WorkflowService.DescribeWorkflowExecutionAsync(new()
            {
                Namespace = _harness.Client.Options.Namespace,
                Execution = new() { WorkflowId = bare.Id },
            })).ExecutionConfig;
            Assert.Null(config.WorkflowExecutionTimeout);
            Assert.Null(config.WorkflowRunTimeout);

            var timedStarted = (await _harness.HistoryAsync(timed)).Events.First().WorkflowExecutionStartedEventAttributes;
            Assert.Equal(TimeSpan.FromHours(2), timedStarted.WorkflowExecutionTimeout.ToTimeSpan());
            Assert.Equal(TimeSpan.FromHours(1), timedStarted.WorkflowRunTimeout.ToTimeSpan());
        }
        finally
        {
            await bare.TerminateAsync();
            await timed.TerminateAsync();
        }
    }

    [Fact]
    public async Task The_workers_build_id_is_recorded_on_workflow_task_completed_so_replay_sees_it()
    {
        var handle = await _harness.WithWorkerAsync(
            o =>
            {
                o.DeploymentOptions = new(new("omni", "omni-build-7"), useWorkerVersioning: false);
                o.AddWorkflow<BuildIdWorkflow>();
            },
            async () =>
            {
                var handle = await _harness.Client.StartWorkflowAsync((BuildIdWorkflow wf) => wf.RunAsync(), _harness.Options());
                Assert.Equal("omni-build-7", await handle.GetResultAsync());
                return handle;
            });

        var completed = (await _harness.HistoryAsync(handle)).Events
            .Where(e => e.EventType == EventType.WorkflowTaskCompleted)
            .Select(e => e.WorkflowTaskCompletedEventAttributes)
            .ToList();
        Assert.NotEmpty(completed);
        Assert.All(completed, c => Assert.True(
            c.DeploymentVersion?.BuildId == "omni-build-7" && c.WorkerDeploymentName == "omni",
            c.ToString()));
        await _harness.AssertReplaysAsync(handle, o => o.AddWorkflow<BuildIdWorkflow>());
    }

    [Fact]
    public async Task A_worker_of_a_newer_legacy_build_id_replays_the_tasks_of_the_older_one()
    {
#pragma warning disable CS0618 // the legacy build id, as the SDK suite's CurrentBuildId test uses it
        void Build(TemporalWorkerOptions o, string buildId)
        {
            o.BuildId = buildId;
            o.AddWorkflow<BuildIdBranchWorkflow>().AddActivity(BuildIdBranchWorkflow.SayHi);
        }
#pragma warning restore CS0618

        var handle = await _harness.WithWorkerAsync(o => Build(o, "1.0"), async () =>
        {
            var handle = await _harness.Client.StartWorkflowAsync((BuildIdBranchWorkflow wf) => wf.RunAsync(), _harness.Options());
            await ServerHarness.WaitUntilAsync(async () => (await _harness.EventTypesAsync(handle)).Contains(EventType.ActivityTaskCompleted));
            Assert.Equal("1.0", await handle.QueryAsync(wf => wf.BuildId()));
            return handle;
        });
        await _harness.Client.WorkflowService.ResetStickyTaskQueueAsync(new()
        {
            Namespace = _harness.Client.Options.Namespace,
            Execution = new() { WorkflowId = handle.Id },
        });

        await _harness.WithWorkerAsync(o => Build(o, "1.1"), async () =>
        {
            Assert.Equal("1.0", await handle.QueryAsync(wf => wf.BuildId()));
            await handle.SignalAsync(wf => wf.Finish());
            await handle.GetResultAsync();
            Assert.Equal("1.1", await handle.QueryAsync(wf => wf.BuildId()));
        });
    }
}
