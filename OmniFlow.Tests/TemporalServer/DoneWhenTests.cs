using System.Diagnostics;
using OmniFlow.Tests.TemporalServer.Infrastructure;
using OmniFlow.Tests.TemporalServer.Workflows;
using Temporalio.Api.Enums.V1;
using Temporalio.Client;

namespace OmniFlow.Tests.TemporalServer;

/// <summary>
/// The "done when": one workflow with a server-retried activity, a signal, a query, a cancelled timer, a timer, a
/// child and continue-as-new — in real time (dev server mode, 1 s timer) and under time skipping (30-minute timer).
/// </summary>
[Collection(TemporalServerCollection.Name)]
public sealed class DoneWhenTests(LocalServerFixture local, TimeSkippingServerFixture skipping) : IDisposable
{
    private const string Expected = "succeeded on attempt 2; approved by Grace; child done; continued as new";

    private readonly ServerHarness _local = new(local.Environment, local.Logs);

    private readonly ServerHarness _skipping = new(skipping.Environment, skipping.Logs);

    public void Dispose()
    {
        _local.Dispose();
        _skipping.Dispose();
    }

    [Fact]
    public async Task Everything_at_once_runs_in_real_time()
    {
        var stopwatch = Stopwatch.StartNew();
        await RunAsync(_local, TimeSpan.FromSeconds(1));

        Assert.True(stopwatch.Elapsed >= TimeSpan.FromSeconds(2), "the 1 s backoff and the 1 s timer ran on the real clock");
    }

    [Fact]
    public async Task Everything_at_once_runs_under_time_skipping_with_a_thirty_minute_timer_in_seconds()
    {
        var before = await skipping.Environment.GetCurrentTimeAsync();
        var stopwatch = Stopwatch.StartNew();
        await RunAsync(_skipping, TimeSpan.FromMinutes(30));

        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(5), $"took {stopwatch.Elapsed}");
        Assert.True(await skipping.Environment.GetCurrentTimeAsync() - before >= TimeSpan.FromMinutes(30));
    }

    private static async Task RunAsync(ServerHarness harness, TimeSpan timer)
    {
        var plan = new DoneWhenPlan(timer, TimeSpan.FromSeconds(1), ServerHarness.NewId("child"));
        var handle = await harness.WithWorkerAsync(
            o => o.AddWorkflow<DoneWhenWorkflow>().AddWorkflow<ChildWorkflow>().AddAllActivities(new FlakyActivities()),
            async () =>
            {
                var handle = await harness.Client.StartWorkflowAsync((DoneWhenWorkflow wf) => wf.RunAsync(plan, null), harness.Options());
                // The environment's delay lets a time-skipping server skip the activity's backoff meanwhile.
                for (var i = 0; i < 100 && await handle.QueryAsync(wf => wf.Status) != "waiting for approval"; i++)
                {
                    await harness.Environment.DelayAsync(TimeSpan.FromMilliseconds(100));
                }

                Assert.Equal("waiting for approval", await handle.QueryAsync(wf => wf.Status));
                await handle.SignalAsync(wf => wf.ApproveAsync("Grace"));
                Assert.Equal(Expected, await handle.GetResultAsync());
                Assert.Equal("continued", await harness.Client.GetWorkflowHandle<DoneWhenWorkflow>(handle.Id).QueryAsync(wf => wf.Status));
                return handle;
            });

        var firstRun = harness.Client.GetWorkflowHandle(handle.Id, handle.ResultRunId);
        var history = await harness.HistoryAsync(firstRun);
        var started = history.Events.Single(e => e.EventType == EventType.ActivityTaskStarted);
        Assert.Equal(2, started.ActivityTaskStartedEventAttributes.Attempt);
        var types = history.Events.Select(e => e.EventType).ToList();
        Assert.Equal(
            [
                EventType.ActivityTaskScheduled, EventType.ActivityTaskStarted, EventType.ActivityTaskCompleted,
                EventType.TimerStarted, EventType.WorkflowExecutionSignaled, EventType.TimerCanceled,
                EventType.TimerStarted, EventType.TimerFired,
                EventType.StartChildWorkflowExecutionInitiated, EventType.ChildWorkflowExecutionStarted,
                EventType.ChildWorkflowExecutionCompleted, EventType.WorkflowExecutionContinuedAsNew,
            ],
            types.Where(t => t is not (EventType.WorkflowTaskScheduled or EventType.WorkflowTaskStarted or EventType.WorkflowTaskCompleted)).Skip(1));
        var timers = history.Events.Where(e => e.EventType == EventType.TimerStarted).Select(e => e.TimerStartedEventAttributes.StartToFireTimeout.ToTimeSpan());
        Assert.Equal([TimeSpan.FromDays(1), plan.Timer], timers);
        var latest = harness.Client.GetWorkflowHandle(handle.Id);
        Assert.Equal(WorkflowExecutionStatus.Completed, (WorkflowExecutionStatus)(await latest.DescribeAsync()).Status);
        await harness.AssertReplaysAsync(firstRun, o => o.AddWorkflow<DoneWhenWorkflow>());
        await harness.AssertReplaysAsync(latest, o => o.AddWorkflow<DoneWhenWorkflow>());
    }
}
