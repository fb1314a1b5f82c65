using OmniFlow.Tests.TemporalServer.Infrastructure;
using OmniFlow.Tests.TemporalServer.Workflows;
using Temporalio.Api.Enums.V1;
using Temporalio.Common;

namespace OmniFlow.Tests.TemporalServer;

/// <summary>Our histories against histories written by real Temporal servers for the same workflow shapes.</summary>
[Collection(TemporalServerCollection.Name)]
public sealed class ReferenceHistoryTests(TimeSkippingServerFixture fixture) : IDisposable
{
    private readonly ServerHarness _harness = new(fixture.Environment, fixture.Logs);

    public void Dispose() => _harness.Dispose();

    /// <summary>A history from ReferenceHistories/, copied next to the test binaries.</summary>
    private static WorkflowHistory Reference(string name) =>
        WorkflowHistory.FromJson("reference", File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "TemporalServer", "ReferenceHistories", name)));

    [Fact]
    public async Task One_activity_workflow_writes_the_same_event_sequence_as_a_real_server()
    {
        var reference = Reference("dotnet-replayer-test.complete.json");
        var handle = await _harness.WithWorkerAsync(
            o => o.AddWorkflow<ActivityBehaviourWorkflow>().AddAllActivities(new FlakyActivities()),
            async () =>
            {
                var handle = await _harness.Client.StartWorkflowAsync(
                    (ActivityBehaviourWorkflow wf) => wf.RunAsync(new ActivityPlan(FailAttempts: 0)), _harness.Options());
                await handle.GetResultAsync();
                return handle;
            });

        Assert.Equal(reference.Events.Select(e => e.EventType), await _harness.EventTypesAsync(handle));
    }

    [Fact]
    public async Task Retried_activity_that_fails_writes_the_same_sequence_and_last_attempt_shape_as_a_real_server()
    {
        var reference = Reference("java-testAsyncActivityRetryHistory.json");
        var handle = await _harness.WithWorkerAsync(
            o => o.AddWorkflow<ActivityBehaviourWorkflow>().AddAllActivities(new FlakyActivities()),
            async () =>
            {
                var plan = new ActivityPlan(FailAttempts: 5, MaximumAttempts: 2);
                var handle = await _harness.Client.StartWorkflowAsync((ActivityBehaviourWorkflow wf) => wf.RunAsync(plan), _harness.Options());
                await Assert.ThrowsAsync<Temporalio.Exceptions.WorkflowFailedException>(() => handle.GetResultAsync());
                return handle;
            });

        var ours = (await _harness.HistoryAsync(handle)).Events.ToList();
        Assert.Equal(reference.Events.Select(e => e.EventType), ours.Select(e => e.EventType));
        var theirs = reference.Events.Single(e => e.EventType == EventType.ActivityTaskStarted).ActivityTaskStartedEventAttributes;
        var mine = ours.Single(e => e.EventType == EventType.ActivityTaskStarted).ActivityTaskStartedEventAttributes;
        Assert.Equal(theirs.Attempt, mine.Attempt);
        Assert.NotNull(mine.LastFailure);
        Assert.Equal("attempt 1 failed", mine.LastFailure.Message);
        var failed = ours.Single(e => e.EventType == EventType.ActivityTaskFailed).ActivityTaskFailedEventAttributes;
        Assert.Equal(mine.ScheduledEventId, failed.ScheduledEventId);
        Assert.Equal(ours.Single(e => e.EventType == EventType.ActivityTaskStarted).EventId, failed.StartedEventId);
    }
}
