using OmniFlow.Tests.TemporalServer.Infrastructure;
using OmniFlow.Tests.TemporalServer.Workflows;
using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using Temporalio.Exceptions;

namespace OmniFlow.Tests.TemporalServer;

/// <summary>Signal-with-start, start delay, execution timeout, async completion by id, heartbeat timeouts.</summary>
[Collection(TemporalServerCollection.Name)]
public sealed class StartOptionsTests(TimeSkippingServerFixture fixture) : IDisposable
{
    private readonly ServerHarness _harness = new(fixture.Environment, fixture.Logs);

    public void Dispose() => _harness.Dispose();

    private static void Workers(Temporalio.Worker.TemporalWorkerOptions o) => o
        .AddWorkflow<InboxWorkflow>().AddWorkflow<ExternallyCompletedWorkflow>().AddWorkflow<HeartbeatTimeoutWorkflow>()
        .AddAllActivities(new ExternalActivities()).AddAllActivities(new SilentActivities());

    [Fact]
    public async Task Signal_with_start_writes_the_signal_before_the_first_workflow_task()
    {
        var handle = await _harness.WithWorkerAsync(Workers, async () =>
        {
            var options = _harness.Options();
            options.SignalWithStart((InboxWorkflow wf) => wf.PostAsync("first"));
            var handle = await _harness.Client.StartWorkflowAsync((InboxWorkflow wf) => wf.RunAsync(), options);
            Assert.Equal("first", await handle.GetResultAsync());
            return handle;
        });

        var types = await _harness.EventTypesAsync(handle);
        Assert.Equal([EventType.WorkflowExecutionStarted, EventType.WorkflowExecutionSignaled, EventType.WorkflowTaskScheduled], types.Take(3));
        await _harness.AssertReplaysAsync(handle, o => o.AddWorkflow<InboxWorkflow>());
    }

    [Fact]
    public async Task Start_delay_holds_the_first_workflow_task_back_on_the_clock()
    {
        var before = await fixture.Environment.GetCurrentTimeAsync();
        var handle = await _harness.WithWorkerAsync(Workers, async () =>
        {
            var options = _harness.Options();
            options.StartDelay = TimeSpan.FromHours(1);
            var handle = await _harness.Client.StartWorkflowAsync((InboxWorkflow wf) => wf.RunAsync(), options);
            await handle.SignalAsync(wf => wf.PostAsync("later"));
            Assert.Equal("later", await handle.GetResultAsync());
            return handle;
        });

        Assert.True(await fixture.Environment.GetCurrentTimeAsync() - before >= TimeSpan.FromHours(1));
        var history = await _harness.HistoryAsync(handle);
        Assert.Equal(TimeSpan.FromHours(1), history.Events.First().WorkflowExecutionStartedEventAttributes.FirstWorkflowTaskBackoff.ToTimeSpan());
    }

    [Fact]
    public async Task Execution_timeout_times_the_workflow_out()
    {
        var handle = await _harness.WithWorkerAsync(Workers, async () =>
        {
            var options = _harness.Options();
            options.ExecutionTimeout = TimeSpan.FromMinutes(10);
            var handle = await _harness.Client.StartWorkflowAsync((InboxWorkflow wf) => wf.RunAsync(), options);
            var failed = await Assert.ThrowsAsync<WorkflowFailedException>(() => handle.GetResultAsync());
            Assert.IsType<TimeoutFailureException>(failed.InnerException);
            return handle;
        });

        Assert.Equal(EventType.WorkflowExecutionTimedOut, (await _harness.EventTypesAsync(handle))[^1]);
    }

    [Fact]
    public async Task Activity_completed_by_id_from_outside_the_worker()
    {
        await _harness.WithWorkerAsync(Workers, async () =>
        {
            var handle = await _harness.Client.StartWorkflowAsync((ExternallyCompletedWorkflow wf) => wf.RunAsync(), _harness.Options());
            var activity = _harness.Client.GetAsyncActivityHandle(handle.Id, handle.ResultRunId!, "external");
            for (var i = 0; ; i++)
            {
                try
                {
                    await activity.HeartbeatAsync();
                    break;
                }
                catch (RpcException) when (i < 100)
                {
                    await Task.Delay(20);
                }
            }

            await activity.CompleteAsync("done outside");
            Assert.Equal("done outside", await handle.GetResultAsync());
            await _harness.AssertReplaysAsync(handle, o => o.AddWorkflow<ExternallyCompletedWorkflow>());
        });
    }

    [Fact]
    public async Task Heartbeat_timeout_retries_the_silent_attempt()
    {
        var handle = await _harness.WithWorkerAsync(Workers, async () =>
        {
            var handle = await _harness.Client.StartWorkflowAsync((HeartbeatTimeoutWorkflow wf) => wf.RunAsync(), _harness.Options());
            Assert.Equal(2, await handle.GetResultAsync());
            return handle;
        });

        var started = (await _harness.HistoryAsync(handle)).Events.Single(e => e.EventType == EventType.ActivityTaskStarted);
        Assert.Equal(2, started.ActivityTaskStartedEventAttributes.Attempt);
        Assert.Equal(TimeoutType.Heartbeat, started.ActivityTaskStartedEventAttributes.LastFailure.TimeoutFailureInfo.TimeoutType);
    }
}
