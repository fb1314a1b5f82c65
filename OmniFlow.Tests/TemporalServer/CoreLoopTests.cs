using System.Diagnostics;
using OmniFlow.Tests.TemporalServer.Infrastructure;
using OmniFlow.Tests.TemporalServer.Workflows;
using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using Temporalio.Exceptions;

namespace OmniFlow.Tests.TemporalServer;

/// <summary>The core loop under time skipping: activity, signal, query, a 30-minute timer, activity retries.</summary>
[Collection(TemporalServerCollection.Name)]
public sealed class CoreLoopTests(TimeSkippingServerFixture fixture) : IDisposable
{
    private readonly ServerHarness _harness = new(fixture.Environment, fixture.Logs);

    public void Dispose() => _harness.Dispose();

    [Fact]
    public async Task Activity_signal_and_query_complete_the_workflow()
    {
        var handle = await _harness.WithWorkerAsync(
            o => o.AddWorkflow<ApprovalWorkflow>().AddAllActivities(new GreetingActivities()),
            async () =>
            {
                var handle = await _harness.Client.StartWorkflowAsync((ApprovalWorkflow wf) => wf.RunAsync("Ada"), _harness.Options());
                await WaitForStatusAsync(handle, "waiting");
                await handle.SignalAsync(wf => wf.ApproveAsync());
                Assert.Equal("Hello, Ada: approved", await handle.GetResultAsync());
                Assert.Equal("approved", await handle.QueryAsync(wf => wf.Status));
                return handle;
            });

        var types = await _harness.EventTypesAsync(handle);
        Assert.Equal(
            [
                EventType.WorkflowExecutionStarted, EventType.WorkflowTaskScheduled, EventType.WorkflowTaskStarted,
                EventType.WorkflowTaskCompleted, EventType.ActivityTaskScheduled, EventType.ActivityTaskStarted,
                EventType.ActivityTaskCompleted, EventType.WorkflowTaskScheduled, EventType.WorkflowTaskStarted,
                EventType.WorkflowTaskCompleted, EventType.TimerStarted, EventType.WorkflowExecutionSignaled,
                EventType.WorkflowTaskScheduled, EventType.WorkflowTaskStarted, EventType.WorkflowTaskCompleted,
                EventType.TimerCanceled, EventType.WorkflowExecutionCompleted,
            ],
            types);
        await _harness.AssertReplaysAsync(handle, o => o.AddWorkflow<ApprovalWorkflow>());
        _harness.AssertSdkClean();
    }

    [Fact]
    public async Task Thirty_minute_timer_fires_in_well_under_two_seconds_of_wall_time()
    {
        var before = await fixture.Environment.GetCurrentTimeAsync();
        var stopwatch = Stopwatch.StartNew();
        var handle = await _harness.WithWorkerAsync(
            o => o.AddWorkflow<ApprovalWorkflow>().AddAllActivities(new GreetingActivities()),
            async () =>
            {
                var handle = await _harness.Client.StartWorkflowAsync((ApprovalWorkflow wf) => wf.RunAsync("Bob"), _harness.Options());
                Assert.Equal("Hello, Bob: expired", await handle.GetResultAsync());
                return handle;
            });
        stopwatch.Stop();

        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(2), $"took {stopwatch.Elapsed}");
        Assert.True(await fixture.Environment.GetCurrentTimeAsync() - before >= TimeSpan.FromMinutes(30));
        var history = await _harness.HistoryAsync(handle);
        Assert.Contains(history.Events, e => e.EventType == EventType.TimerFired);
        await _harness.AssertReplaysAsync(handle, o => o.AddWorkflow<ApprovalWorkflow>());
        _harness.AssertSdkClean();
    }

    [Fact]
    public async Task Failed_activity_attempts_are_retried_by_the_server_and_only_the_last_is_written()
    {
        var handle = await RunActivityAsync(new ActivityPlan(FailAttempts: 2));

        Assert.Equal("succeeded on attempt 3", await handle.GetResultAsync());
        var history = await _harness.HistoryAsync(handle);
        var started = Assert.Single(history.Events, e => e.EventType == EventType.ActivityTaskStarted);
        Assert.Equal(3, started.ActivityTaskStartedEventAttributes.Attempt);
        Assert.Equal("attempt 2 failed", started.ActivityTaskStartedEventAttributes.LastFailure.Message);
        Assert.Single(history.Events, e => e.EventType == EventType.ActivityTaskCompleted);
        await _harness.AssertReplaysAsync(handle, o => o.AddWorkflow<ActivityBehaviourWorkflow>());
        _harness.AssertSdkClean();
    }

    [Fact]
    public async Task Non_retryable_activity_failure_fails_the_workflow_with_the_application_failure_inside()
    {
        var handle = await RunActivityAsync(new ActivityPlan(FailAttempts: 5, NonRetryable: true));

        var failed = await Assert.ThrowsAsync<WorkflowFailedException>(() => handle.GetResultAsync());
        var activityFailure = Assert.IsType<ActivityFailureException>(failed.InnerException);
        Assert.Equal(RetryState.NonRetryableFailure, (RetryState)activityFailure.RetryState);
        var application = Assert.IsType<ApplicationFailureException>(activityFailure.InnerException);
        Assert.Equal("FlakyError", application.ErrorType);
        var types = await _harness.EventTypesAsync(handle);
        Assert.Equal(EventType.ActivityTaskFailed, types[^5]);
        Assert.Equal(EventType.WorkflowExecutionFailed, types[^1]);
        await _harness.AssertReplaysAsync(handle, o => o.AddWorkflow<ActivityBehaviourWorkflow>());
        _harness.AssertSdkClean();
    }

    [Fact]
    public async Task Maximum_attempts_end_the_retries_with_the_last_failure()
    {
        var handle = await RunActivityAsync(new ActivityPlan(FailAttempts: 5, MaximumAttempts: 3));

        var failed = await Assert.ThrowsAsync<WorkflowFailedException>(() => handle.GetResultAsync());
        var activityFailure = Assert.IsType<ActivityFailureException>(failed.InnerException);
        Assert.Equal(RetryState.MaximumAttemptsReached, (RetryState)activityFailure.RetryState);
        Assert.Equal("attempt 3 failed", activityFailure.InnerException?.Message);
        await _harness.AssertReplaysAsync(handle, o => o.AddWorkflow<ActivityBehaviourWorkflow>());
    }

    [Fact]
    public async Task Start_to_close_timeout_fails_the_activity_with_a_timeout_failure()
    {
        var handle = await RunActivityAsync(new ActivityPlan(
            FailAttempts: 1, MaximumAttempts: 1, StartToClose: TimeSpan.FromMilliseconds(300), SleepFor: TimeSpan.FromSeconds(5)));

        var failed = await Assert.ThrowsAsync<WorkflowFailedException>(() => handle.GetResultAsync());
        var activityFailure = Assert.IsType<ActivityFailureException>(failed.InnerException);
        var timeout = Assert.IsType<TimeoutFailureException>(activityFailure.InnerException);
        Assert.Equal(TimeoutType.StartToClose, (TimeoutType)timeout.TimeoutType);
        Assert.Contains(EventType.ActivityTaskTimedOut, await _harness.EventTypesAsync(handle));
        await _harness.AssertReplaysAsync(handle, o => o.AddWorkflow<ActivityBehaviourWorkflow>());
    }

    [Fact]
    public async Task Unknown_query_type_fails_with_a_query_failed_exception()
    {
        await _harness.WithWorkerAsync(
            o => o.AddWorkflow<ApprovalWorkflow>().AddAllActivities(new GreetingActivities()),
            async () =>
            {
                var handle = await _harness.Client.StartWorkflowAsync((ApprovalWorkflow wf) => wf.RunAsync("Cy"), _harness.Options());
                await WaitForStatusAsync(handle, "waiting");
                await Assert.ThrowsAsync<WorkflowQueryFailedException>(() => handle.QueryAsync<string>("no-such-query", []));
                await handle.SignalAsync(wf => wf.ApproveAsync());
                await handle.GetResultAsync();
            });
    }

    private async Task<WorkflowHandle<ActivityBehaviourWorkflow, string>> RunActivityAsync(ActivityPlan plan) =>
        await _harness.WithWorkerAsync(
            o => o.AddWorkflow<ActivityBehaviourWorkflow>().AddAllActivities(new FlakyActivities()),
            async () =>
            {
                var handle = await _harness.Client.StartWorkflowAsync((ActivityBehaviourWorkflow wf) => wf.RunAsync(plan), _harness.Options());
                try
                {
                    await handle.GetResultAsync();
                }
                catch (WorkflowFailedException)
                {
                }

                return handle;
            });

    internal static async Task WaitForStatusAsync(WorkflowHandle<ApprovalWorkflow, string> handle, string status)
    {
        for (var i = 0; i < 100 && await handle.QueryAsync(wf => wf.Status) != status; i++)
        {
            await Task.Delay(20);
        }

        Assert.Equal(status, await handle.QueryAsync(wf => wf.Status));
    }
}
