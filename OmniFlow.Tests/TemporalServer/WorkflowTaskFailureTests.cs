using OmniFlow.Tests.TemporalServer.Infrastructure;
using OmniFlow.Tests.TemporalServer.Workflows;
using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using Temporalio.Common;
using Temporalio.Worker;

namespace OmniFlow.Tests.TemporalServer;

/// <summary>
/// Workflow task failure and timeout, with attempts, as a real server keeps them: the first failure is written
/// (WorkflowTaskFailed); the retries after it are transient (shown to the worker, not written) until one completes,
/// and only that attempt's Scheduled/Started events reach history. The SDK reports the first failure of a task and lets
/// later attempts that fail run into the task timeout. Runs on its own client and log sink: the SDK logs these failures,
/// which other tests treat as alarms.
/// </summary>
[Collection(TemporalServerCollection.Name)]
public sealed class WorkflowTaskFailureTests(TimeSkippingServerFixture fixture)
{
    private static readonly TimeSpan TaskTimeout = TimeSpan.FromSeconds(2);

    [Fact]
    public async Task Retries_after_the_first_failure_are_transient_and_only_the_attempt_that_completes_is_written()
    {
        using var logs = new SdkLogSink();
        var client = await ConnectAsync(logs);
        var taskQueue = ServerHarness.NewId("tq");
        using var worker = new TemporalWorker(client, new TemporalWorkerOptions(taskQueue) { LoggerFactory = logs.Factory }.AddWorkflow<StumblingWorkflow>());

        var handle = await worker.ExecuteAsync(async () =>
        {
            var options = new WorkflowOptions(ServerHarness.NewId("stumble"), taskQueue) { TaskTimeout = TaskTimeout };
            var handle = await client.StartWorkflowAsync((StumblingWorkflow wf) => wf.RunAsync(2), options);
            Assert.Equal(3, await handle.GetResultAsync());
            return handle;
        }, TestContext.Current.CancellationToken);

        var history = await handle.FetchHistoryAsync();
        ServerHarness.AssertContiguous(history);
        var events = history.Events.ToList();
        Assert.Equal(
            [
                EventType.WorkflowExecutionStarted,
                EventType.WorkflowTaskScheduled, EventType.WorkflowTaskStarted, EventType.WorkflowTaskFailed,
                EventType.WorkflowTaskScheduled, EventType.WorkflowTaskStarted, EventType.WorkflowTaskCompleted,
                EventType.WorkflowExecutionCompleted,
            ],
            events.Select(e => e.EventType));
        Assert.Equal(1, events[1].WorkflowTaskScheduledEventAttributes.Attempt);
        Assert.Contains("stumbled on activation 1", events[3].WorkflowTaskFailedEventAttributes.Failure.Message);

        // Attempt 2 failed and timed out without a trace; attempt 3 completed, written with the ids the worker was shown.
        var (scheduled, started, completed) = (events[4], events[5], events[6]);
        Assert.Equal(3, scheduled.WorkflowTaskScheduledEventAttributes.Attempt);
        Assert.Equal(scheduled.EventId, started.WorkflowTaskStartedEventAttributes.ScheduledEventId);
        Assert.Equal(scheduled.EventId, completed.WorkflowTaskCompletedEventAttributes.ScheduledEventId);
        Assert.Equal(started.EventId, completed.WorkflowTaskCompletedEventAttributes.StartedEventId);
        Assert.Equal(completed.EventId, events[7].WorkflowExecutionCompletedEventAttributes.WorkflowTaskCompletedEventId);
        Assert.True(scheduled.EventTime.ToDateTime() - events[3].EventTime.ToDateTime() >= TaskTimeout);
        Assert.True(started.EventTime.ToDateTime() >= scheduled.EventTime.ToDateTime());

        await AssertReplaysAsync<StumblingWorkflow>(history, logs);
    }

    [Fact]
    public async Task A_signal_during_a_failing_retry_is_written_and_makes_the_next_attempt_an_ordinary_first_one()
    {
        using var logs = new SdkLogSink();
        var client = await ConnectAsync(logs);
        var taskQueue = ServerHarness.NewId("tq");
        using var worker = new TemporalWorker(client, new TemporalWorkerOptions(taskQueue) { LoggerFactory = logs.Factory }.AddWorkflow<StumbleThenWaitWorkflow>());
        var workflowId = ServerHarness.NewId("stumble-signal");

        var handle = await worker.ExecuteAsync(async () =>
        {
            var options = new WorkflowOptions(workflowId, taskQueue) { TaskTimeout = TaskTimeout };
            var handle = await client.StartWorkflowAsync((StumbleThenWaitWorkflow wf) => wf.RunAsync(2), options);

            // Attempt 2 has thrown: the SDK does not report it, so it stays started until its timeout, and a signal now is buffered.
            while (StumbleThenWaitWorkflow.ActivationsOf(workflowId) < 2)
            {
                await Task.Delay(20, TestContext.Current.CancellationToken);
            }

            await handle.SignalAsync(wf => wf.GoAsync());
            Assert.Equal(3, await handle.GetResultAsync());
            return handle;
        }, TestContext.Current.CancellationToken);

        var history = await handle.FetchHistoryAsync();
        ServerHarness.AssertContiguous(history);
        var events = history.Events.ToList();
        Assert.Equal(
            [
                EventType.WorkflowExecutionStarted,
                EventType.WorkflowTaskScheduled, EventType.WorkflowTaskStarted, EventType.WorkflowTaskFailed,
                EventType.WorkflowExecutionSignaled,
                EventType.WorkflowTaskScheduled, EventType.WorkflowTaskStarted, EventType.WorkflowTaskCompleted,
                EventType.WorkflowExecutionCompleted,
            ],
            events.Select(e => e.EventType));
        Assert.Equal(1, events[5].WorkflowTaskScheduledEventAttributes.Attempt);

        await AssertReplaysAsync<StumbleThenWaitWorkflow>(history, logs);
    }

    [Fact]
    public async Task A_task_that_fails_on_the_sticky_queue_is_retried_as_a_first_attempt_on_the_normal_queue()
    {
        using var logs = new SdkLogSink();
        var client = await ConnectAsync(logs);
        var taskQueue = ServerHarness.NewId("tq");
        using var worker = new TemporalWorker(client, new TemporalWorkerOptions(taskQueue) { LoggerFactory = logs.Factory }.AddWorkflow<StumbleOnSignalWorkflow>());

        var handle = await worker.ExecuteAsync(async () =>
        {
            var options = new WorkflowOptions(ServerHarness.NewId("stumble-sticky"), taskQueue) { TaskTimeout = TaskTimeout };
            var handle = await client.StartWorkflowAsync((StumbleOnSignalWorkflow wf) => wf.RunAsync(), options);

            // The signal must come after the first task completed, so that the worker took the run onto its sticky queue.
            while (!(await handle.FetchHistoryAsync()).Events.Any(e => e.EventType == EventType.WorkflowTaskCompleted))
            {
                await Task.Delay(20, TestContext.Current.CancellationToken);
            }

            await handle.SignalAsync(wf => wf.GoAsync());
            Assert.Equal("done", await handle.GetResultAsync());
            return handle;
        }, TestContext.Current.CancellationToken);

        var history = await handle.FetchHistoryAsync();
        ServerHarness.AssertContiguous(history);
        var events = history.Events.ToList();
        var types = events.Select(e => e.EventType).ToList();
        Assert.Equal(
            [
                EventType.WorkflowExecutionSignaled,
                EventType.WorkflowTaskScheduled, EventType.WorkflowTaskStarted, EventType.WorkflowTaskFailed,
                EventType.WorkflowTaskScheduled, EventType.WorkflowTaskStarted, EventType.WorkflowTaskCompleted,
                EventType.WorkflowExecutionCompleted,
            ],
            types.Skip(types.IndexOf(EventType.WorkflowExecutionSignaled)));
        Assert.Contains("stumbled on the signal", events.Single(e => e.EventType == EventType.WorkflowTaskFailed).WorkflowTaskFailedEventAttributes.Failure.Message);
        Assert.Equal(1, events[^4].WorkflowTaskScheduledEventAttributes.Attempt);

        await AssertReplaysAsync<StumbleOnSignalWorkflow>(history, logs);
    }

    private async Task<TemporalClient> ConnectAsync(SdkLogSink logs) =>
        await TemporalClient.ConnectAsync(new(fixture.Environment.Client.Connection.Options.TargetHost!)
        {
            Runtime = logs.Runtime,
            LoggerFactory = logs.Factory,
        });

    private static async Task AssertReplaysAsync<TWorkflow>(WorkflowHistory history, SdkLogSink logs)
    {
        var options = new WorkflowReplayerOptions { LoggerFactory = logs.Factory }.AddWorkflow<TWorkflow>();
        var result = await new WorkflowReplayer(options).ReplayWorkflowAsync(history, throwOnReplayFailure: false);
        Assert.Null(result.ReplayFailure);
    }
}
