using Google.Protobuf.WellKnownTypes;
using OmniFlow.Tests.TemporalServer.Infrastructure;
using OmniFlow.Tests.TemporalServer.Workflows;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.WorkflowService.V1;
using Temporalio.Client;
using Temporalio.Converters;

namespace OmniFlow.Tests.TemporalServer;

/// <summary>
/// Where a query task goes and what it carries, seen by a worker speaking the raw API: as on a real server, a run a worker
/// caches gets its queries on that worker's sticky queue with no history, and every query task has started event id 0,
/// the mark by which the SDK's core tells a query-only task from a workflow task.
/// </summary>
[Collection(TemporalServerCollection.Name)]
public sealed class QueryDispatchTests(TimeSkippingServerFixture fixture) : IDisposable
{
    private readonly ServerHarness _harness = new(fixture.Environment, fixture.Logs);

    private WorkflowService Service => _harness.Client.Connection.WorkflowService;

    private string Namespace => _harness.Client.Options.Namespace;

    public void Dispose() => _harness.Dispose();

    [Fact]
    public async Task A_query_for_a_run_a_worker_caches_reaches_its_sticky_queue_as_a_query_only_task_without_history()
    {
        var sticky = ServerHarness.NewId("sticky");
        var (handle, first) = await StartCachedRunAsync(sticky, TimeSpan.FromSeconds(30));

        var query = QueryAsync(handle);
        var task = await PollAsync(sticky);

        AssertQueryOnlyTask(task, first);
        Assert.Empty(task.History.Events);
        await AssertAnsweredAsync(task, query, "waiting");
        await EndAsync(handle);
    }

    [Fact]
    public async Task A_query_no_poller_takes_from_the_sticky_queue_goes_to_the_normal_queue_with_the_whole_history_and_the_run_loses_stickiness()
    {
        var sticky = ServerHarness.NewId("sticky");
        var (handle, first) = await StartCachedRunAsync(sticky, TimeSpan.FromSeconds(1));

        var query = QueryAsync(handle);
        var task = await PollAsync(_harness.TaskQueue);

        AssertQueryOnlyTask(task, first);
        Assert.Equal(
            [EventType.WorkflowExecutionStarted, EventType.WorkflowTaskScheduled, EventType.WorkflowTaskStarted, EventType.WorkflowTaskCompleted],
            task.History.Events.Select(e => e.EventType));
        await AssertAnsweredAsync(task, query, "replayed");

        // The sticky worker is presumed gone: the run's next workflow task goes to the normal queue, whole history included.
        await handle.SignalAsync("poke", []);
        var next = await PollAsync(_harness.TaskQueue);
        Assert.Equal(1, next.History.Events[0].EventId);
        Assert.NotEqual(0, next.StartedEventId);
        await EndAsync(handle);
    }

    [Fact]
    public async Task A_query_waiting_in_the_sticky_queue_of_a_worker_that_shuts_down_goes_to_the_normal_queue_at_once()
    {
        var sticky = ServerHarness.NewId("sticky");
        var (handle, _) = await StartCachedRunAsync(sticky, TimeSpan.FromMinutes(5));

        var query = QueryAsync(handle);
        await Task.Delay(TimeSpan.FromMilliseconds(200), TestContext.Current.CancellationToken);
        await Service.ShutdownWorkerAsync(new ShutdownWorkerRequest { Namespace = Namespace, StickyTaskQueue = sticky, Identity = "leaving-worker" });

        var task = await PollAsync(_harness.TaskQueue, seconds: 10);
        Assert.Equal("status", task.Query.QueryType);
        Assert.Equal(4, task.History.Events.Count);
        await AssertAnsweredAsync(task, query, "moved");
        await EndAsync(handle);
    }

    [Fact]
    public async Task A_query_left_in_a_former_sticky_queue_goes_to_the_run_s_new_sticky_queue_and_leaves_its_stickiness_alone()
    {
        var former = ServerHarness.NewId("sticky-a");
        var (handle, _) = await StartCachedRunAsync(former, TimeSpan.FromSeconds(3));
        var query = QueryAsync(handle);
        await Task.Delay(TimeSpan.FromMilliseconds(300), TestContext.Current.CancellationToken);

        // Meanwhile another worker takes the run: its next task goes to the normal queue and names a new sticky queue.
        await Service.ResetStickyTaskQueueAsync(new ResetStickyTaskQueueRequest { Namespace = Namespace, Execution = new() { WorkflowId = handle.Id } });
        await handle.SignalAsync("poke", []);
        var latter = ServerHarness.NewId("sticky-b");
        await CompleteAsync(await PollAsync(_harness.TaskQueue), latter, TimeSpan.FromSeconds(30));

        // The former queue's timeout passes: the query comes to the new worker, which keeps the run.
        var task = await PollAsync(latter);
        Assert.Equal("status", task.Query.QueryType);
        Assert.Empty(task.History.Events);
        await AssertAnsweredAsync(task, query, "moved on");
        await handle.SignalAsync("poke", []);
        Assert.NotEqual(0, (await PollAsync(latter, seconds: 10)).StartedEventId);
        await EndAsync(handle);
    }

    [Fact]
    public async Task A_run_has_one_query_task_out_at_a_time_until_a_worker_sits_on_one_past_the_workflow_task_timeout()
    {
        var options = _harness.Options();
        options.TaskTimeout = TimeSpan.FromSeconds(2);
        var handle = await _harness.Client.StartWorkflowAsync("QueryTarget", [], options);
        var first = await PollAsync(_harness.TaskQueue);
        await Service.RespondWorkflowTaskCompletedAsync(new RespondWorkflowTaskCompletedRequest { Namespace = Namespace, TaskToken = first.TaskToken, Identity = "raw-worker" });

        var silent = QueryAsync(handle);
        var taken = await PollAsync(_harness.TaskQueue);
        var waiting = QueryAsync(handle);

        // The second query's task comes only once the first has been out for the workflow task's timeout.
        var started = System.Diagnostics.Stopwatch.StartNew();
        var second = await PollAsync(_harness.TaskQueue);
        Assert.InRange(started.Elapsed, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(20));
        Assert.NotEqual(taken.TaskToken, second.TaskToken);
        await AssertAnsweredAsync(second, waiting, "second");

        // The first is still the worker's to answer.
        Assert.False(silent.IsCompleted);
        await AssertAnsweredAsync(taken, silent, "first");
        await EndAsync(handle);
    }

    [Fact]
    public async Task A_query_no_worker_takes_does_not_stop_time_skipping()
    {
        var handle = await _harness.Client.StartWorkflowAsync("QueryTarget", [], _harness.Options());
        var first = await PollAsync(_harness.TaskQueue);
        await Service.RespondWorkflowTaskCompletedAsync(new RespondWorkflowTaskCompletedRequest { Namespace = Namespace, TaskToken = first.TaskToken, Identity = "raw-worker" });

        // Nobody polls: the query waits in the task queue while the environment sleeps an hour of its time.
        using var giveUp = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var query = Service.QueryWorkflowAsync(
            new QueryWorkflowRequest { Namespace = Namespace, Execution = new() { WorkflowId = handle.Id }, Query = new() { QueryType = "status" } },
            new() { CancellationToken = giveUp.Token });
        var before = await _harness.Environment.GetCurrentTimeAsync();
        await _harness.Environment.DelayAsync(TimeSpan.FromHours(1)).WaitAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken);

        Assert.True(await _harness.Environment.GetCurrentTimeAsync() - before >= TimeSpan.FromHours(1));
        await giveUp.CancelAsync();
        await Assert.ThrowsAnyAsync<Exception>(() => query);
        await EndAsync(handle);
    }

    [Fact]
    public async Task Queries_asked_without_pause_while_a_run_moves_through_many_workflow_tasks_are_all_answered()
    {
        // A lost query fails its asker at the 10 s timeout. The steps the answers saw show that the queries met the run
        // at many of its workflow tasks (the run answers about one query per task, so their count depends on the pace).
        var stepsSeen = await _harness.WithWorkerAsync(
            o => o.AddWorkflow<BusyWorkflow>().AddAllActivities(new LocalActivities()).AddAllActivities(new GreetingActivities()),
            async () =>
            {
                var handle = await _harness.Client.StartWorkflowAsync((BusyWorkflow wf) => wf.RunAsync(40), _harness.Options());
                var result = handle.GetResultAsync();
                var askers = Enumerable.Range(0, 3).Select(async _ =>
                {
                    var steps = new List<int>();
                    while (!result.IsCompleted)
                    {
                        steps.Add(await handle.QueryAsync(wf => wf.Step, new() { Rpc = new() { Timeout = TimeSpan.FromSeconds(10), CancellationToken = TestContext.Current.CancellationToken } }));
                    }

                    return steps;
                }).ToList();
                Assert.Equal(40, await result);
                return (await Task.WhenAll(askers)).SelectMany(steps => steps).Where(step => step < 40).Distinct().Count();
            });

        Assert.True(stepsSeen >= 10, $"the queries saw the running run at only {stepsSeen} of its 40 steps");
    }

    /// <summary>Ends a run no worker serves, so that no task of it holds the shared time-skipping clock.</summary>
    private static Task EndAsync(WorkflowHandle handle) =>
        handle.TerminateAsync("test over", new() { Rpc = new() { CancellationToken = TestContext.Current.CancellationToken } });

    /// <summary>Starts a run and completes its first workflow task asking for <paramref name="sticky"/> as its sticky queue.</summary>
    private async Task<(WorkflowHandle Handle, PollWorkflowTaskQueueResponse First)> StartCachedRunAsync(string sticky, TimeSpan stickyTimeout)
    {
        var handle = await _harness.Client.StartWorkflowAsync("QueryTarget", [], _harness.Options());
        var first = await PollAsync(_harness.TaskQueue);
        await CompleteAsync(first, sticky, stickyTimeout);
        return (handle, first);
    }

    /// <summary>Completes a workflow task with no commands, naming <paramref name="sticky"/> as the worker's sticky queue.</summary>
    private Task CompleteAsync(PollWorkflowTaskQueueResponse task, string sticky, TimeSpan stickyTimeout) =>
        Service.RespondWorkflowTaskCompletedAsync(new RespondWorkflowTaskCompletedRequest
        {
            Namespace = Namespace,
            TaskToken = task.TaskToken,
            Identity = "raw-worker",
            StickyAttributes = new()
            {
                WorkerTaskQueue = new() { Name = sticky, Kind = TaskQueueKind.Sticky },
                ScheduleToStartTimeout = Duration.FromTimeSpan(stickyTimeout),
            },
        });

    private Task<QueryWorkflowResponse> QueryAsync(WorkflowHandle handle) =>
        Service.QueryWorkflowAsync(new QueryWorkflowRequest
        {
            Namespace = Namespace,
            Execution = new() { WorkflowId = handle.Id },
            Query = new() { QueryType = "status" },
        });

    /// <summary>Polls until a task comes; a task that does not come within <paramref name="seconds"/> fails the test.</summary>
    private async Task<PollWorkflowTaskQueueResponse> PollAsync(string taskQueue, int seconds = 30)
    {
        using var within = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        within.CancelAfter(TimeSpan.FromSeconds(seconds));
        while (true)
        {
            var task = await Service.PollWorkflowTaskQueueAsync(
                new PollWorkflowTaskQueueRequest { Namespace = Namespace, TaskQueue = new() { Name = taskQueue }, Identity = "raw-worker" },
                new() { CancellationToken = within.Token });
            if (!task.TaskToken.IsEmpty)
            {
                return task;
            }
        }
    }

    /// <summary>A query task as the SDK's core recognises one: the query, started event id 0, the run's last completed task.</summary>
    private static void AssertQueryOnlyTask(PollWorkflowTaskQueueResponse task, PollWorkflowTaskQueueResponse lastCompleted)
    {
        Assert.Equal("status", task.Query.QueryType);
        Assert.Equal(0, task.StartedEventId);
        Assert.Equal(lastCompleted.StartedEventId, task.PreviousStartedEventId);
    }

    /// <summary>Answers the query task and asserts that the caller of the query gets that answer.</summary>
    private async Task AssertAnsweredAsync(PollWorkflowTaskQueueResponse task, Task<QueryWorkflowResponse> query, string answer)
    {
        await Service.RespondQueryTaskCompletedAsync(new RespondQueryTaskCompletedRequest
        {
            Namespace = Namespace,
            TaskToken = task.TaskToken,
            CompletedType = QueryResultType.Answered,
            QueryResult = new() { Payloads_ = { DataConverter.Default.PayloadConverter.ToPayload(answer) } },
        });
        Assert.Equal(answer, DataConverter.Default.PayloadConverter.ToValue<string>((await query).QueryResult.Payloads_.Single()));
    }
}
