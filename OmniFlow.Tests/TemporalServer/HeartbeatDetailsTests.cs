using OmniFlow.Tests.TemporalServer.Infrastructure;
using OmniFlow.Tests.TemporalServer.Workflows;
using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using Temporalio.Converters;
using Temporalio.Exceptions;

namespace OmniFlow.Tests.TemporalServer;

/// <summary>Heartbeat details: carried to the next attempt, and into a heartbeat timeout's failure.</summary>
[Collection(TemporalServerCollection.Name)]
public sealed class HeartbeatDetailsTests(TimeSkippingServerFixture fixture) : IDisposable
{
    private readonly ServerHarness _harness = new(fixture.Environment, fixture.Logs);

    public void Dispose() => _harness.Dispose();

    private Task<WorkflowHandle<HeartbeatDetailsWorkflow, string>> RunAsync(bool goSilent) =>
        _harness.WithWorkerAsync(
            o => o.AddWorkflow<HeartbeatDetailsWorkflow>().AddAllActivities(new HeartbeatingActivities()),
            async () =>
            {
                var handle = await _harness.Client.StartWorkflowAsync((HeartbeatDetailsWorkflow wf) => wf.RunAsync(goSilent), _harness.Options());
                try
                {
                    await handle.GetResultAsync();
                }
                catch (WorkflowFailedException)
                {
                }

                return handle;
            });

    [Fact]
    public async Task A_retried_attempt_sees_the_heartbeat_details_of_the_attempt_before()
    {
        var handle = await RunAsync(goSilent: false);

        Assert.Equal("attempt 2 resumed from: progress of attempt 1", await handle.GetResultAsync());
        var started = (await _harness.HistoryAsync(handle)).Events.Single(e => e.EventType == EventType.ActivityTaskStarted);
        Assert.Equal(2, started.ActivityTaskStartedEventAttributes.Attempt);
        Assert.Equal("attempt 1 failed after its heartbeat", started.ActivityTaskStartedEventAttributes.LastFailure.Message);
        await _harness.AssertReplaysAsync(handle, o => o.AddWorkflow<HeartbeatDetailsWorkflow>());
    }

    [Fact]
    public async Task A_heartbeat_timeout_failure_carries_the_last_heartbeat_details()
    {
        var handle = await RunAsync(goSilent: true);

        var failed = await Assert.ThrowsAsync<WorkflowFailedException>(() => handle.GetResultAsync());
        var activity = Assert.IsType<ActivityFailureException>(failed.InnerException);
        var timeout = Assert.IsType<TimeoutFailureException>(activity.InnerException);
        Assert.Equal(TimeoutType.Heartbeat, (TimeoutType)timeout.TimeoutType);
        Assert.Equal(RetryState.MaximumAttemptsReached, (RetryState)activity.RetryState);
        Assert.Equal("last words", timeout.LastHeartbeatDetails!.ElementAt<string>(0));
        var timedOut = (await _harness.HistoryAsync(handle)).Events.Single(e => e.EventType == EventType.ActivityTaskTimedOut);
        var details = timedOut.ActivityTaskTimedOutEventAttributes.Failure.TimeoutFailureInfo.LastHeartbeatDetails;
        Assert.Equal("last words", await DataConverter.Default.ToValueAsync<string>(Assert.Single(details.Payloads_)));
        await _harness.AssertReplaysAsync(handle, o => o.AddWorkflow<HeartbeatDetailsWorkflow>());
    }
}
