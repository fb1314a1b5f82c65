using OmniFlow.Tests.TemporalServer.Infrastructure;
using OmniFlow.Tests.TemporalServer.Workflows;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.History.V1;
using Temporalio.Client;
using Temporalio.Exceptions;

namespace OmniFlow.Tests.TemporalServer;

/// <summary>Activity schedule-to-start and schedule-to-close timeouts, and the server's default retry policy.</summary>
[Collection(TemporalServerCollection.Name)]
public sealed class ActivityTimeoutTests(TimeSkippingServerFixture fixture) : IDisposable
{
    private readonly ServerHarness _harness = new(fixture.Environment, fixture.Logs);

    public void Dispose() => _harness.Dispose();

    private async Task<WorkflowHandle<ActivityBehaviourWorkflow, string>> RunAsync(ActivityPlan plan) =>
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

    private static async Task<(ActivityFailureException Activity, TimeoutFailureException Timeout)> TimedOutAsync(WorkflowHandle handle)
    {
        var failed = await Assert.ThrowsAsync<WorkflowFailedException>(() => handle.GetResultAsync());
        var activity = Assert.IsType<ActivityFailureException>(failed.InnerException);
        return (activity, Assert.IsType<TimeoutFailureException>(activity.InnerException));
    }

    private async Task<ActivityTaskTimedOutEventAttributes> TimedOutEventAsync(WorkflowHandle handle) =>
        (await _harness.HistoryAsync(handle)).Events.Single(e => e.EventType == EventType.ActivityTaskTimedOut).ActivityTaskTimedOutEventAttributes;

    [Fact]
    public async Task Schedule_to_start_timeout_fires_when_no_worker_polls_the_activity_task_queue()
    {
        var handle = await RunAsync(new ActivityPlan(
            FailAttempts: 0, ScheduleToStart: TimeSpan.FromMilliseconds(500), TaskQueue: ServerHarness.NewId("nobody-polls")));

        var (activity, timeout) = await TimedOutAsync(handle);
        Assert.Equal(TimeoutType.ScheduleToStart, (TimeoutType)timeout.TimeoutType);
        Assert.Equal(RetryState.Timeout, (RetryState)activity.RetryState);
        var types = (await _harness.EventTypesAsync(handle)).ToList();
        Assert.DoesNotContain(EventType.ActivityTaskStarted, types);
        Assert.Equal(EventType.ActivityTaskScheduled, types[types.IndexOf(EventType.ActivityTaskTimedOut) - 1]);
        var timedOut = await TimedOutEventAsync(handle);
        Assert.Equal(TimeoutType.ScheduleToStart, timedOut.Failure.TimeoutFailureInfo.TimeoutType);
        Assert.Equal(RetryState.Timeout, timedOut.RetryState);
        await _harness.AssertReplaysAsync(handle, o => o.AddWorkflow<ActivityBehaviourWorkflow>());
    }

    [Fact]
    public async Task Schedule_to_close_deadline_stops_the_retries_of_timed_out_attempts_with_retry_state_timeout()
    {
        // Attempt 1 times out at 0.3 s, attempt 2 runs from 1.3 s to 1.6 s; its 2 s backoff would pass the 3 s deadline.
        var handle = await RunAsync(new ActivityPlan(
            FailAttempts: 5, StartToClose: TimeSpan.FromMilliseconds(300), SleepFor: TimeSpan.FromSeconds(5),
            ScheduleToClose: TimeSpan.FromSeconds(3), RetryInterval: TimeSpan.FromSeconds(1)));

        var (activity, timeout) = await TimedOutAsync(handle);
        Assert.Equal(RetryState.Timeout, (RetryState)activity.RetryState);
        Assert.Equal(TimeoutType.StartToClose, (TimeoutType)timeout.TimeoutType);
        var history = await _harness.HistoryAsync(handle);
        var started = history.Events.Single(e => e.EventType == EventType.ActivityTaskStarted).ActivityTaskStartedEventAttributes;
        Assert.Equal(2, started.Attempt);
        Assert.Equal(TimeoutType.StartToClose, started.LastFailure.TimeoutFailureInfo.TimeoutType);
        var timedOut = await TimedOutEventAsync(handle);
        Assert.Equal(RetryState.Timeout, timedOut.RetryState);
        Assert.Equal(TimeoutType.StartToClose, timedOut.Failure.TimeoutFailureInfo.TimeoutType);
        await _harness.AssertReplaysAsync(handle, o => o.AddWorkflow<ActivityBehaviourWorkflow>());
    }

    [Fact]
    public async Task Schedule_to_close_timeout_fires_during_a_running_attempt()
    {
        // The first attempt (start-to-close 10 s) outlives the 1 s schedule-to-close deadline.
        var handle = await RunAsync(new ActivityPlan(
            FailAttempts: 5, StartToClose: TimeSpan.FromSeconds(10), ScheduleToClose: TimeSpan.FromSeconds(1),
            SleepFor: TimeSpan.FromSeconds(5)));

        var (activity, timeout) = await TimedOutAsync(handle);
        Assert.Equal(TimeoutType.ScheduleToClose, (TimeoutType)timeout.TimeoutType);
        Assert.Equal(RetryState.Timeout, (RetryState)activity.RetryState);
        var timedOut = await TimedOutEventAsync(handle);
        Assert.Equal(TimeoutType.ScheduleToClose, timedOut.Failure.TimeoutFailureInfo.TimeoutType);
        Assert.Equal(RetryState.Timeout, timedOut.RetryState);
        await _harness.AssertReplaysAsync(handle, o => o.AddWorkflow<ActivityBehaviourWorkflow>());
    }

    [Fact]
    public async Task Failed_attempts_whose_backoff_passes_the_schedule_to_close_deadline_fail_with_retry_state_timeout()
    {
        // Attempts fail at once at 0 s and 1 s; the 2 s backoff after attempt 2 would pass the 2.5 s deadline.
        var handle = await RunAsync(new ActivityPlan(FailAttempts: 5, ScheduleToClose: TimeSpan.FromSeconds(2.5)));

        var failed = await Assert.ThrowsAsync<WorkflowFailedException>(() => handle.GetResultAsync());
        var activity = Assert.IsType<ActivityFailureException>(failed.InnerException);
        Assert.Equal(RetryState.Timeout, (RetryState)activity.RetryState);
        Assert.Equal("attempt 2 failed", Assert.IsType<ApplicationFailureException>(activity.InnerException).Message);
        var failedEvent = (await _harness.HistoryAsync(handle)).Events.Single(e => e.EventType == EventType.ActivityTaskFailed);
        Assert.Equal(RetryState.Timeout, failedEvent.ActivityTaskFailedEventAttributes.RetryState);
        await _harness.AssertReplaysAsync(handle, o => o.AddWorkflow<ActivityBehaviourWorkflow>());
    }

    [Fact]
    public async Task Without_a_retry_policy_the_server_default_retries_the_activity_until_attempt_three_succeeds()
    {
        var before = await fixture.Environment.GetCurrentTimeAsync();
        var handle = await RunAsync(new ActivityPlan(FailAttempts: 2, DefaultRetryPolicy: true));

        Assert.Equal("succeeded on attempt 3", await handle.GetResultAsync());
        Assert.True(await fixture.Environment.GetCurrentTimeAsync() - before >= TimeSpan.FromSeconds(3), "backoffs of 1 s and 2 s");
        var history = await _harness.HistoryAsync(handle);
        var policy = history.Events.Single(e => e.EventType == EventType.ActivityTaskScheduled).ActivityTaskScheduledEventAttributes.RetryPolicy;
        Assert.Equal(TimeSpan.FromSeconds(1), policy.InitialInterval.ToTimeSpan());
        Assert.Equal(2, policy.BackoffCoefficient);
        Assert.Equal(TimeSpan.FromSeconds(100), policy.MaximumInterval.ToTimeSpan());
        Assert.Equal(0, policy.MaximumAttempts);
        Assert.Equal(3, history.Events.Single(e => e.EventType == EventType.ActivityTaskStarted).ActivityTaskStartedEventAttributes.Attempt);
        await _harness.AssertReplaysAsync(handle, o => o.AddWorkflow<ActivityBehaviourWorkflow>());
    }
}
