using OmniFlow.Tests.TemporalServer.Infrastructure;
using OmniFlow.Tests.TemporalServer.Workflows;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.WorkflowService.V1;
using Temporalio.Client;
using Temporalio.Exceptions;
using ParentClosePolicy = Temporalio.Workflows.ParentClosePolicy;

namespace OmniFlow.Tests.TemporalServer;

/// <summary>Children, continue-as-new, cancellation, termination, history paging, describe — under time skipping.</summary>
[Collection(TemporalServerCollection.Name)]
public sealed class LifecycleTests(TimeSkippingServerFixture fixture) : IDisposable
{
    private readonly ServerHarness _harness = new(fixture.Environment, fixture.Logs);

    public void Dispose() => _harness.Dispose();

    private static void AllWorkflows(Temporalio.Worker.TemporalWorkerOptions o) => o
        .AddWorkflow<ParentWorkflow>().AddWorkflow<ChildWorkflow>().AddWorkflow<CountdownWorkflow>()
        .AddWorkflow<SleeperWorkflow>().AddWorkflow<CancellableActivityWorkflow>().AddWorkflow<ChattyWorkflow>()
        .AddAllActivities(new HeartbeatActivities()).AddAllActivities(new LocalActivities());

    private static void ReplayAll(Temporalio.Worker.WorkflowReplayerOptions o) => o
        .AddWorkflow<ParentWorkflow>().AddWorkflow<ChildWorkflow>().AddWorkflow<CountdownWorkflow>()
        .AddWorkflow<SleeperWorkflow>().AddWorkflow<CancellableActivityWorkflow>().AddWorkflow<ChattyWorkflow>();

    private Task<T> RunAsync<T>(Func<Task<T>> body) => _harness.WithWorkerAsync(AllWorkflows, body);

    private async Task<(WorkflowHandle<ParentWorkflow, string> Parent, string ChildId)> StartParentAsync(ParentPlan plan)
    {
        var handle = await _harness.Client.StartWorkflowAsync((ParentWorkflow wf) => wf.RunAsync(plan), _harness.Options());
        return (handle, plan.ChildId);
    }

    [Fact]
    public async Task Child_workflow_result_reaches_the_parent()
    {
        var parent = await RunAsync(async () =>
        {
            var (parent, _) = await StartParentAsync(new(ChildOutcome.Complete, ParentAction.AwaitChild, ServerHarness.NewId("child")));
            Assert.Equal("child done", await parent.GetResultAsync());
            return parent;
        });

        var types = await _harness.EventTypesAsync(parent);
        Assert.Equal(
            [EventType.StartChildWorkflowExecutionInitiated, EventType.ChildWorkflowExecutionStarted, EventType.ChildWorkflowExecutionCompleted],
            types.Where(t => t.ToString().Contains("Child", StringComparison.Ordinal)).ToList());
        await _harness.AssertReplaysAsync(parent, ReplayAll);
        _harness.AssertSdkClean();
    }

    [Fact]
    public async Task Child_failure_surfaces_as_child_workflow_failure_with_the_application_failure_inside()
    {
        var parent = await RunAsync(async () =>
        {
            var (parent, _) = await StartParentAsync(new(ChildOutcome.Fail, ParentAction.AwaitChild, ServerHarness.NewId("child")));
            var failed = await Assert.ThrowsAsync<WorkflowFailedException>(() => parent.GetResultAsync());
            var child = Assert.IsType<ChildWorkflowFailureException>(failed.InnerException);
            Assert.Equal("child broke", Assert.IsType<ApplicationFailureException>(child.InnerException).Message);
            return parent;
        });

        Assert.Contains(EventType.ChildWorkflowExecutionFailed, await _harness.EventTypesAsync(parent));
        await _harness.AssertReplaysAsync(parent, ReplayAll);
    }

    [Fact]
    public async Task Cancelled_child_surfaces_as_a_canceled_failure()
    {
        var parent = await RunAsync(async () =>
        {
            var (parent, _) = await StartParentAsync(new(ChildOutcome.WaitForever, ParentAction.CancelChild, ServerHarness.NewId("child")));
            var failed = await Assert.ThrowsAsync<WorkflowFailedException>(() => parent.GetResultAsync());
            var child = Assert.IsType<ChildWorkflowFailureException>(failed.InnerException);
            Assert.IsType<CanceledFailureException>(child.InnerException);
            return parent;
        });

        var types = await _harness.EventTypesAsync(parent);
        Assert.Contains(EventType.RequestCancelExternalWorkflowExecutionInitiated, types);
        Assert.Contains(EventType.ExternalWorkflowExecutionCancelRequested, types);
        Assert.Contains(EventType.ChildWorkflowExecutionCanceled, types);
        await _harness.AssertReplaysAsync(parent, ReplayAll);
    }

    [Fact]
    public async Task Terminated_child_surfaces_as_a_terminated_failure()
    {
        var parent = await RunAsync(async () =>
        {
            var (parent, childId) = await StartParentAsync(new(ChildOutcome.WaitForever, ParentAction.AwaitChild, ServerHarness.NewId("child")));
            await ServerHarness.WaitUntilAsync(async () => await ExistsAsync(childId));
            await _harness.Client.GetWorkflowHandle(childId).TerminateAsync("stop");
            var failed = await Assert.ThrowsAsync<WorkflowFailedException>(() => parent.GetResultAsync());
            var child = Assert.IsType<ChildWorkflowFailureException>(failed.InnerException);
            Assert.IsType<TerminatedFailureException>(child.InnerException);
            return parent;
        });

        Assert.Contains(EventType.ChildWorkflowExecutionTerminated, await _harness.EventTypesAsync(parent));
        await _harness.AssertReplaysAsync(parent, ReplayAll);
    }

    [Fact]
    public async Task Child_run_timeout_surfaces_as_a_timeout_failure()
    {
        var parent = await RunAsync(async () =>
        {
            var (parent, _) = await StartParentAsync(new(ChildOutcome.WaitForever, ParentAction.AwaitChild, ServerHarness.NewId("child"), TimeSpan.FromMinutes(5)));
            var failed = await Assert.ThrowsAsync<WorkflowFailedException>(() => parent.GetResultAsync());
            var child = Assert.IsType<ChildWorkflowFailureException>(failed.InnerException);
            Assert.IsType<TimeoutFailureException>(child.InnerException);
            return parent;
        });

        Assert.Contains(EventType.ChildWorkflowExecutionTimedOut, await _harness.EventTypesAsync(parent));
        await _harness.AssertReplaysAsync(parent, ReplayAll);
    }

    [Fact]
    public async Task Parent_signals_its_child_through_signal_external()
    {
        var parent = await RunAsync(async () =>
        {
            var (parent, _) = await StartParentAsync(new(ChildOutcome.WaitForever, ParentAction.SignalChild, ServerHarness.NewId("child")));
            Assert.Equal("child got hello", await parent.GetResultAsync());
            return parent;
        });

        var types = await _harness.EventTypesAsync(parent);
        Assert.Contains(EventType.SignalExternalWorkflowExecutionInitiated, types);
        Assert.Contains(EventType.ExternalWorkflowExecutionSignaled, types);
        await _harness.AssertReplaysAsync(parent, ReplayAll);
    }

    [Theory]
    [InlineData(ParentClosePolicy.Terminate, WorkflowExecutionStatus.Terminated)]
    [InlineData(ParentClosePolicy.RequestCancel, WorkflowExecutionStatus.Canceled)]
    [InlineData(ParentClosePolicy.Abandon, WorkflowExecutionStatus.Running)]
    public async Task Parent_close_policy_applies_to_the_open_child(ParentClosePolicy policy, WorkflowExecutionStatus expected)
    {
        var childId = ServerHarness.NewId("child");
        await RunAsync(async () =>
        {
            var (parent, _) = await StartParentAsync(new(ChildOutcome.WaitForever, ParentAction.CompleteLeavingChild, childId, ClosePolicy: policy));
            Assert.Equal("parent left", await parent.GetResultAsync());
            await ServerHarness.WaitUntilAsync(async () => await StatusAsync(childId) == expected);
            return true;
        });

        Assert.Equal(expected, await StatusAsync(childId));
    }

    [Fact]
    public async Task Continue_as_new_chain_result_is_followed_by_get_result()
    {
        var handle = await RunAsync(async () =>
        {
            var handle = await _harness.Client.StartWorkflowAsync((CountdownWorkflow wf) => wf.RunAsync(3, 0), _harness.Options());
            Assert.Equal(6, await handle.GetResultAsync());
            return handle;
        });

        var firstRun = _harness.Client.GetWorkflowHandle(handle.Id, handle.ResultRunId);
        var first = await _harness.EventTypesAsync(firstRun);
        Assert.Equal(EventType.WorkflowExecutionContinuedAsNew, first[^1]);
        var latest = _harness.Client.GetWorkflowHandle(handle.Id);
        var description = await latest.DescribeAsync();
        Assert.Equal(WorkflowExecutionStatus.Completed, (WorkflowExecutionStatus)description.Status);
        Assert.NotEqual(handle.ResultRunId, description.RunId);
        await _harness.AssertReplaysAsync(firstRun, ReplayAll);
        await _harness.AssertReplaysAsync(latest, ReplayAll);
        _harness.AssertSdkClean();
    }

    [Fact]
    public async Task Cancel_request_cancels_the_workflow()
    {
        var handle = await RunAsync(async () =>
        {
            var handle = await _harness.Client.StartWorkflowAsync((SleeperWorkflow wf) => wf.RunAsync(), _harness.Options());
            await ServerHarness.WaitUntilAsync(async () => (await _harness.EventTypesAsync(handle)).Contains(EventType.TimerStarted));
            await handle.CancelAsync();
            var failed = await Assert.ThrowsAsync<WorkflowFailedException>(() => handle.GetResultAsync());
            Assert.IsType<CanceledFailureException>(failed.InnerException);
            return handle;
        });

        var types = await _harness.EventTypesAsync(handle);
        Assert.Equal([EventType.WorkflowExecutionCancelRequested], types.Where(t => t == EventType.WorkflowExecutionCancelRequested));
        Assert.Equal(EventType.WorkflowExecutionCanceled, types[^1]);
        await _harness.AssertReplaysAsync(handle, ReplayAll);
    }

    [Fact]
    public async Task Cancellation_reaches_a_running_activity_through_its_heartbeat()
    {
        var handle = await RunAsync(async () =>
        {
            var handle = await _harness.Client.StartWorkflowAsync((CancellableActivityWorkflow wf) => wf.RunAsync(), _harness.Options());
            await ServerHarness.WaitUntilAsync(async () => (await DescribeRawAsync(handle)).PendingActivities.Any(a => a.State == PendingActivityState.Started));
            await handle.CancelAsync();
            Assert.Equal("activity cancelled", await handle.GetResultAsync());
            return handle;
        });

        var types = await _harness.EventTypesAsync(handle);
        Assert.Contains(EventType.ActivityTaskCancelRequested, types);
        Assert.Contains(EventType.ActivityTaskCanceled, types);
        await _harness.AssertReplaysAsync(handle, ReplayAll);
    }

    [Fact]
    public async Task Terminate_ends_the_workflow_with_a_terminated_failure()
    {
        var handle = await RunAsync(async () =>
        {
            var handle = await _harness.Client.StartWorkflowAsync((SleeperWorkflow wf) => wf.RunAsync(), _harness.Options());
            await ServerHarness.WaitUntilAsync(async () => (await _harness.EventTypesAsync(handle)).Contains(EventType.TimerStarted));
            await handle.TerminateAsync("enough");
            var failed = await Assert.ThrowsAsync<WorkflowFailedException>(() => handle.GetResultAsync());
            Assert.IsType<TerminatedFailureException>(failed.InnerException);
            return handle;
        });

        Assert.Equal(EventType.WorkflowExecutionTerminated, (await _harness.EventTypesAsync(handle))[^1]);
    }

    [Fact]
    public async Task History_pages_forward_and_in_reverse_and_local_activities_write_markers()
    {
        var handle = await RunAsync(async () =>
        {
            var handle = await _harness.Client.StartWorkflowAsync((ChattyWorkflow wf) => wf.RunAsync(5), _harness.Options());
            for (var i = 0; i < 5; i++)
            {
                await handle.SignalAsync(wf => wf.BumpAsync());
            }

            Assert.Equal(47, await handle.GetResultAsync());
            return handle;
        });

        var full = (await _harness.HistoryAsync(handle)).Events.ToList();
        Assert.Contains(full, e => e.EventType == EventType.MarkerRecorded);
        var service = _harness.Client.Connection.WorkflowService;
        var execution = new Temporalio.Api.Common.V1.WorkflowExecution { WorkflowId = handle.Id, RunId = handle.RunId ?? "" };
        var forward = new List<long>();
        var token = Google.Protobuf.ByteString.Empty;
        var pages = 0;
        do
        {
            var page = await service.GetWorkflowExecutionHistoryAsync(new GetWorkflowExecutionHistoryRequest
            {
                Namespace = _harness.Client.Options.Namespace, Execution = execution, MaximumPageSize = 4, NextPageToken = token,
            });
            forward.AddRange(page.History.Events.Select(e => e.EventId));
            token = page.NextPageToken;
            pages++;
        }
        while (!token.IsEmpty);

        Assert.Equal(full.Select(e => e.EventId), forward);
        Assert.True(pages > 2);
        var reverse = new List<long>();
        token = Google.Protobuf.ByteString.Empty;
        do
        {
            var page = await service.GetWorkflowExecutionHistoryReverseAsync(new GetWorkflowExecutionHistoryReverseRequest
            {
                Namespace = _harness.Client.Options.Namespace, Execution = execution, MaximumPageSize = 4, NextPageToken = token,
            });
            reverse.AddRange(page.History.Events.Select(e => e.EventId));
            token = page.NextPageToken;
        }
        while (!token.IsEmpty);

        Assert.Equal(full.Select(e => e.EventId).Reverse(), reverse);
        await _harness.AssertReplaysAsync(handle, ReplayAll);
    }

    [Fact]
    public async Task Starting_a_running_workflow_id_again_is_rejected_and_use_existing_returns_the_open_run()
    {
        await RunAsync(async () =>
        {
            var options = _harness.Options();
            var handle = await _harness.Client.StartWorkflowAsync((SleeperWorkflow wf) => wf.RunAsync(), options);
            await Assert.ThrowsAsync<WorkflowAlreadyStartedException>(() =>
                _harness.Client.StartWorkflowAsync((SleeperWorkflow wf) => wf.RunAsync(), options));
            var reused = await _harness.Client.StartWorkflowAsync(
                (SleeperWorkflow wf) => wf.RunAsync(),
                new(options.Id!, options.TaskQueue!) { IdConflictPolicy = WorkflowIdConflictPolicy.UseExisting });
            Assert.Equal(handle.ResultRunId, reused.ResultRunId);
            var description = await handle.DescribeAsync();
            Assert.Equal(WorkflowExecutionStatus.Running, (WorkflowExecutionStatus)description.Status);
            Assert.Equal(nameof(SleeperWorkflow), description.WorkflowType);
            await handle.TerminateAsync();
            return true;
        });
    }

    private Task<DescribeWorkflowExecutionResponse> DescribeRawAsync(WorkflowHandle handle) =>
        _harness.Client.Connection.WorkflowService.DescribeWorkflowExecutionAsync(new DescribeWorkflowExecutionRequest
        {
            Namespace = _harness.Client.Options.Namespace,
            Execution = new() { WorkflowId = handle.Id, RunId = handle.RunId ?? "" },
        });

    private async Task<bool> ExistsAsync(string workflowId)
    {
        try
        {
            await _harness.Client.GetWorkflowHandle(workflowId).DescribeAsync();
            return true;
        }
        catch (RpcException)
        {
            return false;
        }
    }

    private async Task<WorkflowExecutionStatus> StatusAsync(string workflowId) =>
        (WorkflowExecutionStatus)(await _harness.Client.GetWorkflowHandle(workflowId).DescribeAsync()).Status;
}
