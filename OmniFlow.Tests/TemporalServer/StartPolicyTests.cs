using OmniFlow.Tests.TemporalServer.Infrastructure;
using OmniFlow.Tests.TemporalServer.Workflows;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.WorkflowService.V1;
using Temporalio.Client;
using Temporalio.Converters;
using Temporalio.Exceptions;

namespace OmniFlow.Tests.TemporalServer;

/// <summary>Starting a workflow id again: request-id dedup, the id reuse policies and the id conflict policies.</summary>
[Collection(TemporalServerCollection.Name)]
public sealed class StartPolicyTests(TimeSkippingServerFixture fixture) : IDisposable
{
    private readonly ServerHarness _harness = new(fixture.Environment, fixture.Logs);

    public void Dispose() => _harness.Dispose();

    public enum Close
    {
        Complete,
        Terminate,
    }

    private static void Workers(Temporalio.Worker.TemporalWorkerOptions o) => o.AddWorkflow<InboxWorkflow>();

    private Task<WorkflowHandle<InboxWorkflow, string>> StartInboxAsync(WorkflowOptions options) =>
        _harness.Client.StartWorkflowAsync((InboxWorkflow wf) => wf.RunAsync(), options);

    private WorkflowOptions Options(string id, Action<WorkflowOptions>? configure = null)
    {
        var options = _harness.Options(id);
        configure?.Invoke(options);
        return options;
    }

    private async Task<int> RunCountAsync(string workflowId) =>
        (int)(await _harness.Client.CountWorkflowsAsync($"WorkflowId = '{workflowId}'")).Count;

    /// <summary>The SDK makes a fresh request id per call, so these go through its raw WorkflowService client.</summary>
    private Task<StartWorkflowExecutionResponse> StartRawAsync(string id, string requestId) =>
        _harness.Client.Connection.WorkflowService.StartWorkflowExecutionAsync(new()
        {
            Namespace = _harness.Client.Options.Namespace,
            WorkflowId = id,
            RequestId = requestId,
            WorkflowType = new() { Name = nameof(InboxWorkflow) },
            TaskQueue = new() { Name = _harness.TaskQueue },
        });

    private Task<SignalWithStartWorkflowExecutionResponse> SignalWithStartRawAsync(string id, string requestId, string message) =>
        _harness.Client.Connection.WorkflowService.SignalWithStartWorkflowExecutionAsync(new()
        {
            Namespace = _harness.Client.Options.Namespace,
            WorkflowId = id,
            RequestId = requestId,
            WorkflowType = new() { Name = nameof(InboxWorkflow) },
            TaskQueue = new() { Name = _harness.TaskQueue },
            SignalName = "Post",
            SignalInput = new Payloads { Payloads_ = { DataConverter.Default.PayloadConverter.ToPayload(message) } },
        });

    [Fact]
    public async Task Starting_twice_with_the_same_request_id_returns_the_first_run()
    {
        var id = ServerHarness.NewId("dedup");
        var requestId = Guid.NewGuid().ToString();
        var first = await StartRawAsync(id, requestId);
        var second = await StartRawAsync(id, requestId);

        Assert.True(first.Started);
        Assert.Equal(first.RunId, second.RunId);
        Assert.Equal(1, await RunCountAsync(id));
        var handle = _harness.Client.GetWorkflowHandle(id, first.RunId);
        Assert.Equal([EventType.WorkflowExecutionStarted, EventType.WorkflowTaskScheduled], await _harness.EventTypesAsync(handle));
        await handle.TerminateAsync();
    }

    [Fact]
    public async Task Signal_with_start_twice_with_the_same_request_id_starts_and_signals_once()
    {
        var id = ServerHarness.NewId("dedup-sws");
        var requestId = Guid.NewGuid().ToString();
        var first = await SignalWithStartRawAsync(id, requestId, "once");
        var second = await SignalWithStartRawAsync(id, requestId, "once");

        Assert.Equal(first.RunId, second.RunId);
        Assert.Equal(1, await RunCountAsync(id));
        var handle = _harness.Client.GetWorkflowHandle<InboxWorkflow, string>(id, first.RunId);
        Assert.Single(await _harness.EventTypesAsync(handle), t => t == EventType.WorkflowExecutionSignaled);
        await _harness.WithWorkerAsync(Workers, async () => Assert.Equal("once", await handle.GetResultAsync()));
        await _harness.AssertReplaysAsync(handle, o => o.AddWorkflow<InboxWorkflow>());
    }

    [Fact]
    public async Task Signal_with_start_to_a_running_workflow_repeated_with_the_same_request_id_signals_once()
    {
        var id = ServerHarness.NewId("dedup-sws-running");
        var started = await StartRawAsync(id, Guid.NewGuid().ToString());
        var requestId = Guid.NewGuid().ToString();
        var first = await SignalWithStartRawAsync(id, requestId, "once");
        var second = await SignalWithStartRawAsync(id, requestId, "once");

        Assert.False(first.Started);
        Assert.Equal(started.RunId, first.RunId);
        Assert.Equal(started.RunId, second.RunId);
        var handle = _harness.Client.GetWorkflowHandle(id, started.RunId);
        Assert.Single(await _harness.EventTypesAsync(handle), t => t == EventType.WorkflowExecutionSignaled);
        await handle.TerminateAsync();
    }

    [Fact]
    public async Task A_signal_repeated_with_the_same_request_id_is_written_once()
    {
        var id = ServerHarness.NewId("dedup-signal");
        var started = await StartRawAsync(id, Guid.NewGuid().ToString());
        var signal = new SignalWorkflowExecutionRequest
        {
            Namespace = _harness.Client.Options.Namespace,
            WorkflowExecution = new() { WorkflowId = id },
            SignalName = "Post",
            RequestId = Guid.NewGuid().ToString(),
            Input = new Payloads { Payloads_ = { DataConverter.Default.PayloadConverter.ToPayload("once") } },
        };
        await _harness.Client.Connection.WorkflowService.SignalWorkflowExecutionAsync(signal);
        await _harness.Client.Connection.WorkflowService.SignalWorkflowExecutionAsync(signal);
        signal.RequestId = Guid.NewGuid().ToString();
        await _harness.Client.Connection.WorkflowService.SignalWorkflowExecutionAsync(signal);

        var handle = _harness.Client.GetWorkflowHandle(id, started.RunId);
        Assert.Equal(2, (await _harness.EventTypesAsync(handle)).Count(t => t == EventType.WorkflowExecutionSignaled));
        await handle.TerminateAsync();
    }

    [Theory]
    [InlineData(WorkflowIdReusePolicy.AllowDuplicate, Close.Complete, true)]
    [InlineData(WorkflowIdReusePolicy.AllowDuplicate, Close.Terminate, true)]
    [InlineData(WorkflowIdReusePolicy.AllowDuplicateFailedOnly, Close.Terminate, true)]
    [InlineData(WorkflowIdReusePolicy.AllowDuplicateFailedOnly, Close.Complete, false)]
    [InlineData(WorkflowIdReusePolicy.RejectDuplicate, Close.Complete, false)]
    [InlineData(WorkflowIdReusePolicy.RejectDuplicate, Close.Terminate, false)]
    public async Task Reuse_policy_decides_whether_a_closed_workflow_id_starts_again(WorkflowIdReusePolicy policy, Close close, bool allowed)
    {
        var id = ServerHarness.NewId("reuse");
        await _harness.WithWorkerAsync(Workers, async () =>
        {
            var first = await StartInboxAsync(Options(id));
            if (close == Close.Complete)
            {
                await first.SignalAsync(wf => wf.PostAsync("done"));
                await first.GetResultAsync();
            }
            else
            {
                await first.TerminateAsync("closed by the test");
            }

            var again = Options(id, o => o.IdReusePolicy = policy);
            if (!allowed)
            {
                var rejected = await Assert.ThrowsAsync<WorkflowAlreadyStartedException>(() => StartInboxAsync(again));
                Assert.Equal(id, rejected.WorkflowId);
                Assert.Equal(first.ResultRunId, rejected.RunId);
                Assert.Equal(1, await RunCountAsync(id));
                return;
            }

            var second = await StartInboxAsync(again);
            Assert.NotEqual(first.ResultRunId, second.ResultRunId);
            Assert.Equal(2, await RunCountAsync(id));
            await second.SignalAsync(wf => wf.PostAsync("second"));
            Assert.Equal("second", await second.GetResultAsync());
        });
    }

    [Fact]
    public async Task Reuse_policy_terminate_if_running_terminates_the_open_run_and_starts_a_new_one()
    {
        var id = ServerHarness.NewId("reuse-terminate");
        var first = await StartInboxAsync(Options(id));
#pragma warning disable CS0612 // The SDK marks it obsolete in favour of the conflict policy; servers still honour it.
        var second = await StartInboxAsync(Options(id, o => o.IdReusePolicy = WorkflowIdReusePolicy.TerminateIfRunning));
#pragma warning restore CS0612

        await AssertReplacedAsync(first, second);
    }

    [Fact]
    public async Task Conflict_policy_terminate_existing_terminates_the_open_run_and_starts_a_new_one()
    {
        var id = ServerHarness.NewId("conflict-terminate");
        var first = await StartInboxAsync(Options(id));
        var second = await StartInboxAsync(Options(id, o => o.IdConflictPolicy = WorkflowIdConflictPolicy.TerminateExisting));

        await AssertReplacedAsync(first, second);
    }

    [Fact]
    public async Task Conflict_policy_use_existing_returns_the_open_run_and_fail_rejects_the_start()
    {
        var id = ServerHarness.NewId("conflict-use");
        var first = await StartInboxAsync(Options(id));
        var existing = await StartInboxAsync(Options(id, o => o.IdConflictPolicy = WorkflowIdConflictPolicy.UseExisting));
        var rejected = await Assert.ThrowsAsync<WorkflowAlreadyStartedException>(() =>
            StartInboxAsync(Options(id, o => o.IdConflictPolicy = WorkflowIdConflictPolicy.Fail)));

        Assert.Equal(first.ResultRunId, existing.ResultRunId);
        Assert.Equal(first.ResultRunId, rejected.RunId);
        Assert.Equal(nameof(InboxWorkflow), rejected.WorkflowType);
        Assert.Equal(1, await RunCountAsync(id));
        await first.TerminateAsync();
    }

    private async Task AssertReplacedAsync(WorkflowHandle<InboxWorkflow, string> first, WorkflowHandle<InboxWorkflow, string> second)
    {
        Assert.NotEqual(first.ResultRunId, second.ResultRunId);
        var firstRun = _harness.Client.GetWorkflowHandle(first.Id, first.ResultRunId);
        Assert.Equal(WorkflowExecutionStatus.Terminated, (WorkflowExecutionStatus)(await firstRun.DescribeAsync()).Status);
        Assert.Equal(EventType.WorkflowExecutionTerminated, (await _harness.EventTypesAsync(firstRun))[^1]);
        var latest = await _harness.Client.GetWorkflowHandle(first.Id).DescribeAsync();
        Assert.Equal(second.ResultRunId, latest.RunId);
        Assert.Equal(WorkflowExecutionStatus.Running, (WorkflowExecutionStatus)latest.Status);
        await second.TerminateAsync();
    }
}
