using OmniFlow.Tests.TemporalServer.Infrastructure;
using OmniFlow.Tests.TemporalServer.Workflows;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.History.V1;
using Temporalio.Client;
using Temporalio.Exceptions;
using Temporalio.Common;
using Temporalio.Worker;

namespace OmniFlow.Tests.TemporalServer;

/// <summary>
/// Events that a workflow task in flight makes void or must be written next to: a timer that fires, an activity or a
/// child that ends, while the task that cancels it runs. As on a real server, a buffered TimerFired is dropped when the
/// completion cancels its timer (TimerCanceled is written instead); a cancel request for an activity whose end is
/// buffered is written and the end follows it; canceling a child that has closed succeeds. Real time (dev server):
/// the test holds the workflow task in flight in a signal handler while the clock runs.
/// </summary>
[Collection(TemporalServerCollection.Name)]
public sealed class CancelRaceTests(LocalServerFixture fixture) : IDisposable
{
    private readonly ServerHarness _harness = new(fixture.Environment, fixture.Logs);

    public void Dispose() => _harness.Dispose();

    private static void Workflows(TemporalWorkerOptions o)
    {
        // Signal handlers block to hold the workflow task in flight: no deadlock detection.
        o.DebugMode = true;
        o.AddWorkflow<TimerCancelRaceWorkflow>().AddWorkflow<ActivityCancelRaceWorkflow>().AddWorkflow<ChildCancelRaceWorkflow>()
            .AddWorkflow<RaceChildWorkflow>().AddWorkflow<CancelRaceWorkflow>().AddWorkflow<RaceSleepChildWorkflow>()
            .AddAllActivities(new RaceActivities());
    }

    private static void Replay(WorkflowReplayerOptions o) => o
        .AddWorkflow<TimerCancelRaceWorkflow>().AddWorkflow<ActivityCancelRaceWorkflow>().AddWorkflow<ChildCancelRaceWorkflow>()
        .AddWorkflow<RaceChildWorkflow>().AddWorkflow<CancelRaceWorkflow>().AddWorkflow<RaceSleepChildWorkflow>();

    private async Task<HistoryEvent> WaitForEventAsync(WorkflowHandle handle, EventType type)
    {
        for (var i = 0; i < 1000; i++)
        {
            if ((await _harness.HistoryAsync(handle)).Events.FirstOrDefault(e => e.EventType == type) is { } found)
            {
                return found;
            }

            await Task.Delay(10, TestContext.Current.CancellationToken);
        }

        throw new TimeoutException($"No {type} in the history of {handle.Id}.");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_timer_that_fires_while_the_task_canceling_it_runs_is_written_canceled_not_fired(bool keepRunning)
    {
        const int timerMs = 1500;
        var handle = await _harness.WithWorkerAsync(Workflows, async () =>
        {
            var handle = await _harness.Client.StartWorkflowAsync(
                (TimerCancelRaceWorkflow wf) => wf.RunAsync(timerMs, keepRunning), _harness.Options(ServerHarness.NewId("timer-race")));
            var started = await WaitForEventAsync(handle, EventType.TimerStarted);
            await handle.SignalAsync(wf => wf.CancelAsync());
            await RaceGates.HandlerEnteredAsync(handle.Id);

            // The task that cancels the timer is in flight; let the timer come due on the server's (real) clock.
            var due = started.EventTime.ToDateTime() + TimeSpan.FromMilliseconds(timerMs + 400);
            if (due - DateTime.UtcNow is { } wait && wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, TestContext.Current.CancellationToken);
            }

            RaceGates.ReleaseHandler(handle.Id);
            Assert.Equal("canceled", await handle.GetResultAsync());
            return handle;
        });

        var events = (await _harness.HistoryAsync(handle)).Events.ToList();
        Assert.DoesNotContain(events, e => e.EventType == EventType.TimerFired && e.TimerFiredEventAttributes.TimerId == "1");
        Assert.DoesNotContain(events, e => e.EventType == EventType.WorkflowTaskFailed);
        var started = events.First(e => e.EventType == EventType.TimerStarted);
        var canceled = Assert.Single(events, e => e.EventType == EventType.TimerCanceled);
        Assert.Equal(started.EventId, canceled.TimerCanceledEventAttributes.StartedEventId);
        Assert.Equal(EventType.WorkflowTaskCompleted, events[(int)canceled.EventId - 2].EventType);
        Assert.Equal(EventType.WorkflowExecutionCompleted, events[^1].EventType);
        await _harness.AssertReplaysAsync(handle, Replay);
    }

    [Fact]
    public async Task An_activity_that_completes_while_the_task_canceling_it_runs_gets_its_cancel_request_written_before_its_completion()
    {
        var handle = await _harness.WithWorkerAsync(Workflows, async () =>
        {
            var handle = await _harness.Client.StartWorkflowAsync(
                (ActivityCancelRaceWorkflow wf) => wf.RunAsync(), _harness.Options(ServerHarness.NewId("activity-race")));
            await WaitForEventAsync(handle, EventType.ActivityTaskScheduled);
            await WaitUntilAsync(async () => (await DescribeAsync(handle)).PendingActivities.Any(a => a.State == PendingActivityState.Started));
            await handle.SignalAsync(wf => wf.CancelAsync());
            await RaceGates.HandlerEnteredAsync(handle.Id);

            // The activity completes while the task that cancels it is in flight: the server buffers its end.
            RaceGates.ReleaseActivity(handle.Id);
            await WaitUntilAsync(async () => (await DescribeAsync(handle)).PendingActivities.Count == 0);
            RaceGates.ReleaseHandler(handle.Id);

            await WaitForEventAsync(handle, EventType.ActivityTaskCompleted);
            await handle.SignalAsync(wf => wf.FinishAsync());
            Assert.Equal("canceled", await handle.GetResultAsync());
            return handle;
        });

        var types = (await _harness.EventTypesAsync(handle)).ToList();
        var requested = types.IndexOf(EventType.ActivityTaskCancelRequested);
        Assert.True(requested > 0, string.Join(", ", types));
        Assert.Equal(
            [EventType.WorkflowTaskCompleted, EventType.ActivityTaskCancelRequested, EventType.ActivityTaskStarted, EventType.ActivityTaskCompleted, EventType.WorkflowTaskScheduled],
            types.Skip(requested - 1).Take(5));
        Assert.DoesNotContain(EventType.WorkflowTaskFailed, types);
        await _harness.AssertReplaysAsync(handle, Replay);
    }

    [Fact]
    public async Task A_child_that_completes_while_the_task_canceling_it_runs_is_canceled_successfully()
    {
        var childId = ServerHarness.NewId("race-child");
        var handle = await _harness.WithWorkerAsync(Workflows, async () =>
        {
            var handle = await _harness.Client.StartWorkflowAsync(
                (ChildCancelRaceWorkflow wf) => wf.RunAsync(childId), _harness.Options(ServerHarness.NewId("child-race")));
            await WaitForEventAsync(handle, EventType.ChildWorkflowExecutionStarted);
            await handle.SignalAsync(wf => wf.CancelAsync());
            await RaceGates.HandlerEnteredAsync(handle.Id);

            var child = _harness.Client.GetWorkflowHandle<RaceChildWorkflow>(childId);
            await child.SignalAsync(wf => wf.FinishAsync());
            Assert.Equal("child done", await child.GetResultAsync<string>());
            await WaitUntilAsync(async () => (await DescribeAsync(handle)).PendingChildren.Count == 0);
            RaceGates.ReleaseHandler(handle.Id);

            Assert.Equal("child done", await handle.GetResultAsync());
            return handle;
        });

        var types = await _harness.EventTypesAsync(handle);
        Assert.Contains(EventType.RequestCancelExternalWorkflowExecutionInitiated, types);
        Assert.DoesNotContain(EventType.RequestCancelExternalWorkflowExecutionFailed, types);
        Assert.Contains(EventType.ExternalWorkflowExecutionCancelRequested, types);
        AssertOnlyUnhandledCommandFailures(await _harness.HistoryAsync(handle));
        await _harness.AssertReplaysAsync(handle, Replay);
    }

    /// <summary>
    /// Many workflows, each running rounds of a short timer, activity and child that a poke cancels after a slow local
    /// step, poked (and some canceled) at random moments: every run must finish, and every history replay cleanly.
    /// </summary>
    [Fact]
    public async Task Random_signals_and_cancels_racing_timers_activities_and_children_leave_histories_that_replay()
    {
        var seed = Environment.TickCount;
        var random = new Random(seed);
        const int workflows = 16;
        var runs = await _harness.WithWorkerAsync(Workflows, async () =>
        {
            var drivers = Enumerable.Range(0, workflows).Select(async i =>
            {
                Random local;
                RacePlan plan;
                bool cancelIt;
                int cancelAfter;
                lock (random)
                {
                    local = new Random(random.Next());
                    plan = new RacePlan(4, local.Next(5, 60), local.Next(5, 60), local.Next(0, 40), local.Next(3) == 0);
                    cancelIt = local.Next(5) == 0;
                    cancelAfter = local.Next(20, 300);
                }

                var handle = await _harness.Client.StartWorkflowAsync((CancelRaceWorkflow wf) => wf.RunAsync(plan), _harness.Options(ServerHarness.NewId($"race{i}")));
                var result = handle.GetResultAsync();
                var elapsed = 0;
                var canceled = false;
                var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
                while (!result.IsCompleted && DateTime.UtcNow < deadline)
                {
                    var pause = local.Next(0, 50);
                    await Task.WhenAny(result, Task.Delay(pause));
                    elapsed += pause;
                    try
                    {
                        if (cancelIt && !canceled && elapsed >= cancelAfter)
                        {
                            canceled = true;
                            await handle.CancelAsync();
                        }
                        else
                        {
                            await handle.SignalAsync(wf => wf.PokeAsync());
                        }
                    }
                    catch (Grpc.Core.RpcException ex) when (ex.StatusCode == Grpc.Core.StatusCode.NotFound)
                    {
                        // The run closed meanwhile.
                    }
                    catch (Temporalio.Exceptions.RpcException ex) when (ex.Code == Temporalio.Exceptions.RpcException.StatusCode.NotFound)
                    {
                    }
                }

                try
                {
                    await result.WaitAsync(TimeSpan.FromSeconds(30));
                }
                catch (TimeoutException)
                {
                    var events = (await _harness.HistoryAsync(handle)).Events;
                    Assert.Fail($"seed {seed}: {handle.Id} is stuck:\n" + string.Join("\n", events.Select(e => $"{e.EventId} {e.EventType}")));
                }
                catch (WorkflowFailedException ex) when (canceled && ex.InnerException is CanceledFailureException)
                {
                }

                return (WorkflowHandle)handle;
            }).ToList();
            return await Task.WhenAll(drivers);
        });

        foreach (var run in runs)
        {
            var history = await _harness.HistoryAsync(run);
            AssertOnlyUnhandledCommandFailures(history, $"seed {seed}: {run.Id}");
            await _harness.AssertReplaysAsync(run, Replay);
            foreach (var child in history.Events.Where(e => e.EventType == EventType.ChildWorkflowExecutionStarted))
            {
                await _harness.AssertReplaysAsync(
                    _harness.Client.GetWorkflowHandle(child.ChildWorkflowExecutionStartedEventAttributes.WorkflowExecution.WorkflowId),
                    Replay);
            }
        }
    }

    private async Task<Temporalio.Api.WorkflowService.V1.DescribeWorkflowExecutionResponse> DescribeAsync(WorkflowHandle handle) =>
        await _harness.Client.WorkflowService.DescribeWorkflowExecutionAsync(new()
        {
            Namespace = _harness.Client.Options.Namespace,
            Execution = new() { WorkflowId = handle.Id },
        });

    /// <summary>
    /// A workflow task may fail only because the workflow closed while events it had not seen were buffered (the
    /// real server's UnhandledCommand); any other cause means the server rejected a completion the SDK made.
    /// </summary>
    private static void AssertOnlyUnhandledCommandFailures(WorkflowHistory history, string context = "")
    {
        foreach (var failed in history.Events.Where(e => e.EventType == EventType.WorkflowTaskFailed))
        {
            Assert.True(
                failed.WorkflowTaskFailedEventAttributes.Cause == WorkflowTaskFailedCause.UnhandledCommand,
                $"{context} workflow task failed: {failed.WorkflowTaskFailedEventAttributes.Cause} {failed.WorkflowTaskFailedEventAttributes.Failure?.Message}\n" +
                string.Join("\n", history.Events.Select(e => $"{e.EventId} {e.EventType} {e.EventTime.ToDateTime():ss.fff} {e.ActivityTaskScheduledEventAttributes?.ActivityId}{e.ActivityTaskCancelRequestedEventAttributes?.ScheduledEventId}{e.ActivityTaskStartedEventAttributes?.ScheduledEventId}{e.ActivityTaskCompletedEventAttributes?.ScheduledEventId}{e.ActivityTaskCanceledEventAttributes?.ScheduledEventId}")));
        }
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        for (var i = 0; i < 1000; i++)
        {
            if (await condition())
            {
                return;
            }

            await Task.Delay(10, TestContext.Current.CancellationToken);
        }

        throw new TimeoutException("The condition did not hold in time.");
    }
}
