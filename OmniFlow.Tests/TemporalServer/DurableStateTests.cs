using Google.Protobuf;
using OmniFlow.TemporalServer.Hosting;
using OmniFlow.Tests.TemporalServer.Infrastructure;
using OmniFlow.Tests.TemporalServer.Workflows;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.OperatorService.V1;
using Temporalio.Api.WorkflowService.V1;
using Temporalio.Client;
using Temporalio.Client.Schedules;
using Temporalio.Worker;

namespace OmniFlow.Tests.TemporalServer;

/// <summary>The server with a state file, stopped and started again in-process on the same file.</summary>
public sealed class DurableStateTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("omniflow-durable-").FullName;

    private string FilePath => Path.Combine(_directory, "temporal.db");

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private Task<TemporalTestServer> StartAsync(TemporalServerOptions? options = null) =>
        TemporalTestServer.StartAsync((options ?? new TemporalServerOptions()) with { DbFilename = FilePath });

    [Fact]
    public async Task Namespaces_and_search_attributes_come_back_from_the_file()
    {
        string namespaceId;
        await using (var server = await StartAsync(new()
        {
            Namespaces = ["orders"],
            SearchAttributes = new Dictionary<string, string> { ["OrderStatus"] = "Keyword" },
        }))
        {
            var client = await TemporalClient.ConnectAsync(new(server.TargetAddress) { Namespace = "orders" });
            var add = new AddSearchAttributesRequest { Namespace = "orders" };
            add.SearchAttributes["OrderTotal"] = IndexedValueType.Double;
            await client.Connection.OperatorService.AddSearchAttributesAsync(add);
            namespaceId = (await client.Connection.WorkflowService.DescribeNamespaceAsync(new() { Namespace = "orders" })).NamespaceInfo.Id;
        }

        await using (var server = await StartAsync())
        {
            var client = await TemporalClient.ConnectAsync(new(server.TargetAddress) { Namespace = "orders" });
            var listed = await client.Connection.OperatorService.ListSearchAttributesAsync(new() { Namespace = "orders" });
            Assert.Equal(IndexedValueType.Keyword, listed.CustomAttributes["OrderStatus"]);
            Assert.Equal(IndexedValueType.Double, listed.CustomAttributes["OrderTotal"]);
            var described = await client.Connection.WorkflowService.DescribeNamespaceAsync(new() { Namespace = "orders" });
            Assert.Equal(namespaceId, described.NamespaceInfo.Id);

            // Registering again what is already there is no change (what a worker does at every start).
            var again = new AddSearchAttributesRequest { Namespace = "orders" };
            again.SearchAttributes["OrderTotal"] = IndexedValueType.Double;
            await client.Connection.OperatorService.AddSearchAttributesAsync(again);
        }
    }

    [Fact]
    public async Task A_timer_due_while_the_server_was_down_fires_once_at_restart_and_the_workflow_completes()
    {
        var taskQueue = ServerHarness.NewId("nap");
        var workflowId = ServerHarness.NewId("nap");
        await using (var server = await StartAsync())
        {
            var client = await TemporalClient.ConnectAsync(new(server.TargetAddress));
            using var worker = new TemporalWorker(client, new TemporalWorkerOptions(taskQueue).AddWorkflow<NapWorkflow>());
            await worker.ExecuteAsync(async () =>
            {
                var handle = await client.StartWorkflowAsync((NapWorkflow wf) => wf.RunAsync(1500), new(workflowId, taskQueue));
                while (!(await handle.FetchHistoryAsync()).Events.Any(e => e.EventType == EventType.TimerStarted))
                {
                    await Task.Delay(50);
                }
            }, TestContext.Current.CancellationToken);
        }

        await Task.Delay(TimeSpan.FromSeconds(2), TestContext.Current.CancellationToken);
        await using (var server = await StartAsync())
        {
            var client = await TemporalClient.ConnectAsync(new(server.TargetAddress));
            using var worker = new TemporalWorker(client, new TemporalWorkerOptions(taskQueue)
                .AddWorkflow<NapWorkflow>()
                .AddAllActivities(new TokenActivities()));
            var handle = client.GetWorkflowHandle(workflowId);
            await worker.ExecuteAsync(() => handle.GetResultAsync<string>(), TestContext.Current.CancellationToken);
            var history = await handle.FetchHistoryAsync();
            ServerHarness.AssertContiguous(history);
            Assert.Single(history.Events, e => e.EventType == EventType.TimerFired);
            var replayer = new WorkflowReplayer(new WorkflowReplayerOptions().AddWorkflow<NapWorkflow>());
            await replayer.ReplayWorkflowAsync(history, cancellationToken: TestContext.Current.CancellationToken);
        }
    }

    [Fact]
    public async Task A_parent_and_its_child_continue_across_a_restart()
    {
        var taskQueue = ServerHarness.NewId("family");
        var parentId = ServerHarness.NewId("parent");
        var childId = ServerHarness.NewId("child");
        await using (var server = await StartAsync())
        {
            var client = await TemporalClient.ConnectAsync(new(server.TargetAddress));
            var parent = await client.StartWorkflowAsync(
                (ParentWorkflow wf) => wf.RunAsync(new ParentPlan(ChildOutcome.WaitForever, ParentAction.AwaitChild, childId)),
                new(parentId, taskQueue));
            using var worker = new TemporalWorker(client, new TemporalWorkerOptions(taskQueue).AddWorkflow<ParentWorkflow>().AddWorkflow<ChildWorkflow>());
            await worker.ExecuteAsync(async () =>
            {
                while (!(await parent.FetchHistoryAsync()).Events.Any(e => e.EventType == EventType.ChildWorkflowExecutionStarted))
                {
                    await Task.Delay(50);
                }
            }, TestContext.Current.CancellationToken);
        }

        await using (var server = await StartAsync())
        {
            var client = await TemporalClient.ConnectAsync(new(server.TargetAddress));
            using var worker = new TemporalWorker(client, new TemporalWorkerOptions(taskQueue).AddWorkflow<ParentWorkflow>().AddWorkflow<ChildWorkflow>());
            var result = await worker.ExecuteAsync(async () =>
            {
                await client.GetWorkflowHandle<ChildWorkflow>(childId).SignalAsync(wf => wf.PokeAsync("after the restart"));
                return await client.GetWorkflowHandle(parentId).GetResultAsync<string>();
            }, TestContext.Current.CancellationToken);
            Assert.Equal("child got after the restart", result);
            var history = await client.GetWorkflowHandle(parentId).FetchHistoryAsync();
            Assert.Single(history.Events, e => e.EventType == EventType.ChildWorkflowExecutionCompleted);
            await new WorkflowReplayer(new WorkflowReplayerOptions().AddWorkflow<ParentWorkflow>())
                .ReplayWorkflowAsync(history, cancellationToken: TestContext.Current.CancellationToken);
        }
    }

    [Fact]
    public async Task A_rejected_update_leaves_nothing_in_the_file_and_one_admitted_before_a_restart_is_rejected_after_it()
    {
        var taskQueue = ServerHarness.NewId("reject");
        var workflowId = ServerHarness.NewId("reject");
        var pendingUpdateId = ServerHarness.NewId("upd");
        List<Temporalio.Api.History.V1.HistoryEvent> before = [];
        await using (var server = await StartAsync())
        {
            var client = await TemporalClient.ConnectAsync(new(server.TargetAddress));
            var handle = await client.StartWorkflowAsync((CounterUpdateWorkflow wf) => wf.RunAsync(10), new(workflowId, taskQueue));
            using var worker = new TemporalWorker(client, new TemporalWorkerOptions(taskQueue).AddWorkflow<CounterUpdateWorkflow>());
            await worker.ExecuteAsync(async () =>
            {
                Assert.Equal(11, await handle.ExecuteUpdateAsync(wf => wf.AddAsync(1)));
                before = [.. (await handle.FetchHistoryAsync()).Events];
                await Assert.ThrowsAsync<Temporalio.Exceptions.WorkflowUpdateFailedException>(() => handle.ExecuteUpdateAsync(wf => wf.AddAsync(-1)));
                Assert.Equal(before, (await handle.FetchHistoryAsync()).Events);
            }, TestContext.Current.CancellationToken);

            // With no worker, an update is admitted and its speculative workflow task waits across the restart.
            await client.Connection.WorkflowService.UpdateWorkflowExecutionAsync(new UpdateWorkflowExecutionRequest
            {
                Namespace = "default",
                WorkflowExecution = new() { WorkflowId = workflowId },
                WaitPolicy = new() { LifecycleStage = UpdateWorkflowExecutionLifecycleStage.Admitted },
                Request = new()
                {
                    Meta = new() { UpdateId = pendingUpdateId, Identity = "durable-tests" },
                    Input = new() { Name = "Add", Args = new() { Payloads_ = { client.Options.DataConverter.PayloadConverter.ToPayload(-5) } } },
                },
            });
        }

        await using (var server = await StartAsync())
        {
            var client = await TemporalClient.ConnectAsync(new(server.TargetAddress));
            var handle = client.GetWorkflowHandle<CounterUpdateWorkflow>(workflowId);
            Assert.Equal(before, (await handle.FetchHistoryAsync()).Events);
            using var worker = new TemporalWorker(client, new TemporalWorkerOptions(taskQueue).AddWorkflow<CounterUpdateWorkflow>());
            var result = await worker.ExecuteAsync(async () =>
            {
                var rejected = await Assert.ThrowsAsync<Temporalio.Exceptions.WorkflowUpdateFailedException>(() =>
                    handle.GetUpdateHandle<int>(pendingUpdateId).GetResultAsync());
                Assert.Equal("amount must not be negative", rejected.InnerException?.Message);
                Assert.Equal(before, (await handle.FetchHistoryAsync()).Events);
                Assert.Equal(13, await handle.ExecuteUpdateAsync(wf => wf.AddAsync(2)));
                await handle.SignalAsync(wf => wf.FinishAsync());
                return await handle.GetResultAsync<int>();
            }, TestContext.Current.CancellationToken);
            Assert.Equal(13, result);
            var history = await handle.FetchHistoryAsync();
            ServerHarness.AssertContiguous(history);
            await new WorkflowReplayer(new WorkflowReplayerOptions().AddWorkflow<CounterUpdateWorkflow>())
                .ReplayWorkflowAsync(history, cancellationToken: TestContext.Current.CancellationToken);
        }
    }

    [Fact]
    public async Task A_task_token_from_before_a_restart_whose_task_is_done_is_not_found_and_changes_nothing()
    {
        var taskQueue = ServerHarness.NewId("token");
        var workflowId = ServerHarness.NewId("token");
        string token;
        await using (var server = await StartAsync())
        {
            var client = await TemporalClient.ConnectAsync(new(server.TargetAddress));
            using var worker = new TemporalWorker(client, new TemporalWorkerOptions(taskQueue)
                .AddWorkflow<NapWorkflow>()
                .AddAllActivities(new TokenActivities()));
            token = await worker.ExecuteAsync(() => client.ExecuteWorkflowAsync((NapWorkflow wf) => wf.RunAsync(1), new(workflowId, taskQueue)), TestContext.Current.CancellationToken);
        }

        await using (var server = await StartAsync())
        {
            var client = await TemporalClient.ConnectAsync(new(server.TargetAddress));
            var before = (await client.GetWorkflowHandle(workflowId).FetchHistoryAsync()).Events.Count;
            var error = await Assert.ThrowsAsync<Temporalio.Exceptions.RpcException>(() =>
                client.Connection.WorkflowService.RespondActivityTaskCompletedAsync(new RespondActivityTaskCompletedRequest
                {
                    Namespace = "default",
                    TaskToken = ByteString.FromBase64(token),
                }));
            Assert.Equal(Temporalio.Exceptions.RpcException.StatusCode.NotFound, error.Code);
            Assert.Equal(before, (await client.GetWorkflowHandle(workflowId).FetchHistoryAsync()).Events.Count);
            Assert.Equal(token, await client.GetWorkflowHandle(workflowId).GetResultAsync<string>());
        }
    }

    [Fact]
    public async Task A_schedule_keeps_its_definition_and_counters_and_acts_again_after_a_restart()
    {
        var scheduleId = ServerHarness.NewId("sched");
        long actionsBefore;
        await using (var server = await StartAsync())
        {
            var client = await TemporalClient.ConnectAsync(new(server.TargetAddress));
            var handle = await client.CreateScheduleAsync(
                scheduleId,
                new Schedule(
                    ScheduleActionStartWorkflow.Create((NapWorkflow wf) => wf.RunAsync(1), new(ServerHarness.NewId("scheduled"), "no-worker")),
                    new ScheduleSpec { Intervals = [new ScheduleIntervalSpec(TimeSpan.FromSeconds(1))] })
                {
                    Policy = new SchedulePolicy { Overlap = ScheduleOverlapPolicy.AllowAll },
                    State = new ScheduleState { Note = "kept" },
                });
            while ((await handle.DescribeAsync()).Info.NumActions < 2)
            {
                await Task.Delay(100, TestContext.Current.CancellationToken);
            }

            actionsBefore = (await handle.DescribeAsync()).Info.NumActions;
        }

        await using (var server = await StartAsync())
        {
            var client = await TemporalClient.ConnectAsync(new(server.TargetAddress));
            var handle = client.GetScheduleHandle(scheduleId);
            var described = await handle.DescribeAsync();
            Assert.Equal("kept", described.Schedule.State.Note);
            Assert.True(described.Info.NumActions >= actionsBefore);
            Assert.Equal(TimeSpan.FromSeconds(1), Assert.Single(described.Schedule.Spec.Intervals).Every);
            while ((await handle.DescribeAsync()).Info.NumActions < actionsBefore + 2)
            {
                await Task.Delay(100, TestContext.Current.CancellationToken);
            }

            // Every start it made, before and after the restart, is a run the server knows.
            foreach (var action in (await handle.DescribeAsync()).Info.RecentActions)
            {
                var started = (ScheduleActionExecutionStartWorkflow)action.Action;
                await client.GetWorkflowHandle(started.WorkflowId, started.FirstExecutionRunId).DescribeAsync();
            }
        }
    }
}
