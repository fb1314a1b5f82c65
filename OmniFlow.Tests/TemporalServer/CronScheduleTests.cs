using System.Diagnostics;
using OmniFlow.Tests.TemporalServer.Infrastructure;
using OmniFlow.Tests.TemporalServer.Workflows;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.History.V1;
using Temporalio.Client;
using Temporalio.Exceptions;

namespace OmniFlow.Tests.TemporalServer;

/// <summary>
/// A cron workflow, as a real server runs it: each run waits for its schedule time (first_workflow_task_backoff),
/// and when it completes or fails the next run of the same workflow id is started for the next schedule time, carrying
/// the last successful result; terminate ends the chain. Under time skipping a quarter-hourly schedule runs in moments.
/// </summary>
[Collection(TemporalServerCollection.Name)]
public sealed class CronScheduleTests(TimeSkippingServerFixture fixture) : IDisposable
{
    private const string QuarterHourly = "*/15 * * * *";

    private readonly ServerHarness _harness = new(fixture.Environment, fixture.Logs);

    public void Dispose() => _harness.Dispose();

    private WorkflowOptions CronOptions(string schedule)
    {
        var options = _harness.Options();
        options.CronSchedule = schedule;
        return options;
    }

    [Fact]
    public async Task Each_run_starts_at_the_next_schedule_time_and_sees_the_last_result_until_terminated()
    {
        var clock = Stopwatch.StartNew();
        var (handle, runs) = await _harness.WithWorkerAsync(o => o.AddWorkflow<CronCounterWorkflow>(), async () =>
        {
            var handle = await _harness.Client.StartWorkflowAsync((CronCounterWorkflow wf) => wf.RunAsync(0), CronOptions(QuarterHourly));
            var runs = new List<IReadOnlyList<HistoryEvent>>();
            string? runId = handle.ResultRunId!;
            for (var expected = 1; expected <= 3; expected++)
            {
                var tick = await ResultOfRunAsync(handle.Id, runId!);
                Assert.Equal(new CronTick(expected, QuarterHourly, AfterFailure: false), tick);
                var events = await EventsAsync(handle.Id, runId!);
                runs.Add(events);
                runId = events[^1].WorkflowExecutionCompletedEventAttributes.NewExecutionRunId;
                Assert.False(string.IsNullOrEmpty(runId));
            }

            // Whichever run is current now (time may have run on to a later one), terminate ends the chain there.
            await _harness.Client.GetWorkflowHandle(handle.Id).TerminateAsync("enough");
            while (!string.IsNullOrEmpty(runId))
            {
                var events = await EventsAsync(handle.Id, runId);
                runs.Add(events);
                runId = NextRunId(events);
            }

            return (handle, runs);
        });

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"three quarter-hourly runs took {clock.Elapsed} of wall time");
        var executionTimes = runs.Select(ExecutionTime).ToList();
        foreach (var (events, executionTime) in runs.Zip(executionTimes))
        {
            var started = events[0].WorkflowExecutionStartedEventAttributes;
            Assert.Equal(QuarterHourly, started.CronSchedule);
            Assert.Equal(ContinueAsNewInitiator.CronSchedule, started.Initiator);
            Assert.Equal(1, started.Attempt);
            Assert.Equal(handle.ResultRunId, started.FirstExecutionRunId);
            Assert.InRange(started.FirstWorkflowTaskBackoff.ToTimeSpan(), TimeSpan.FromTicks(1), TimeSpan.FromMinutes(15) + TimeSpan.FromSeconds(1));
            Assert.True(executionTime.Minute % 15 == 0 && executionTime.Second == 0, $"run started at {executionTime:O}, off the schedule");
            if (events[1].EventType == EventType.WorkflowTaskScheduled)
            {
                Assert.True(events[1].EventTime.ToDateTimeOffset() >= executionTime - TimeSpan.FromSeconds(1), "the first workflow task came before the schedule time");
            }
        }

        for (var i = 1; i < runs.Count; i++)
        {
            Assert.InRange(executionTimes[i] - executionTimes[i - 1], TimeSpan.FromMinutes(15) - TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(15) + TimeSpan.FromSeconds(1));
            var started = runs[i][0].WorkflowExecutionStartedEventAttributes;
            Assert.Equal(RunIdOf(runs[i - 1]), started.ContinuedExecutionRunId);
            Assert.NotNull(started.LastCompletionResult);
        }

        Assert.Null(runs[0][0].WorkflowExecutionStartedEventAttributes.LastCompletionResult);
        Assert.Equal(EventType.WorkflowExecutionTerminated, runs[^1][^1].EventType);
        var current = await _harness.Client.GetWorkflowHandle(handle.Id).DescribeAsync();
        Assert.Equal(WorkflowExecutionStatus.Terminated, current.Status);
        _harness.AssertSdkClean();
    }

    [Fact]
    public async Task A_failed_run_is_followed_by_the_next_scheduled_run_with_the_last_successful_result()
    {
        var handle = await _harness.WithWorkerAsync(o => o.AddWorkflow<CronCounterWorkflow>(), async () =>
        {
            var handle = await _harness.Client.StartWorkflowAsync((CronCounterWorkflow wf) => wf.RunAsync(2), CronOptions(QuarterHourly));
            var first = await ResultOfRunAsync(handle.Id, handle.ResultRunId!);
            Assert.Equal(1, first.Count);
            var second = NextRunId(await EventsAsync(handle.Id, handle.ResultRunId!))!;
            var failed = await Assert.ThrowsAsync<WorkflowFailedException>(() => ResultOfRunAsync(handle.Id, second));
            Assert.Equal("cron run 2 failed", Assert.IsType<ApplicationFailureException>(failed.InnerException).Message);

            var failedRun = await EventsAsync(handle.Id, second);
            var failedEvent = failedRun[^1].WorkflowExecutionFailedEventAttributes;
            Assert.Equal(RetryState.RetryPolicyNotSet, failedEvent.RetryState);
            var third = await ResultOfRunAsync(handle.Id, failedEvent.NewExecutionRunId);
            Assert.Equal(new CronTick(2, QuarterHourly, AfterFailure: true), third);

            var thirdStarted = (await EventsAsync(handle.Id, failedEvent.NewExecutionRunId))[0].WorkflowExecutionStartedEventAttributes;
            Assert.Equal("cron run 2 failed", thirdStarted.ContinuedFailure.Message);
            await _harness.Client.GetWorkflowHandle(handle.Id).TerminateAsync("enough");
            return handle;
        });

        await _harness.AssertReplaysAsync(handle, o => o.AddWorkflow<CronCounterWorkflow>());
        _harness.AssertSdkClean();
    }

    [Fact]
    public async Task An_invalid_cron_schedule_is_rejected_at_start()
    {
        var rejected = await Assert.ThrowsAsync<RpcException>(() =>
            _harness.Client.StartWorkflowAsync((CronCounterWorkflow wf) => wf.RunAsync(0), CronOptions("every so often")));
        Assert.Equal(RpcException.StatusCode.InvalidArgument, rejected.Code);
        Assert.Contains("invalid CronSchedule", rejected.Message);
    }

    /// <summary>
    /// One run's own result. Only handles returned by a start skip time while awaiting a result, so this unlocks time
    /// skipping itself while it waits for the run's schedule time and its close.
    /// </summary>
    private async Task<CronTick> ResultOfRunAsync(string workflowId, string runId)
    {
        var testService = _harness.Client.Connection.TestService;
        await testService.UnlockTimeSkippingAsync(new());
        try
        {
            return await new WorkflowHandle(_harness.Client, workflowId, RunId: runId, ResultRunId: runId).GetResultAsync<CronTick>(followRuns: false);
        }
        finally
        {
            await testService.LockTimeSkippingAsync(new());
        }
    }

    private async Task<IReadOnlyList<HistoryEvent>> EventsAsync(string workflowId, string runId) =>
        (await _harness.Client.GetWorkflowHandle(workflowId, runId).FetchHistoryAsync()).Events.ToList();

    private static string? NextRunId(IReadOnlyList<HistoryEvent> events) =>
        events[^1].WorkflowExecutionCompletedEventAttributes?.NewExecutionRunId ??
        events[^1].WorkflowExecutionFailedEventAttributes?.NewExecutionRunId;

    private static string RunIdOf(IReadOnlyList<HistoryEvent> events) =>
        events[0].WorkflowExecutionStartedEventAttributes.OriginalExecutionRunId;

    private static DateTimeOffset ExecutionTime(IReadOnlyList<HistoryEvent> events) =>
        events[0].EventTime.ToDateTimeOffset() + events[0].WorkflowExecutionStartedEventAttributes.FirstWorkflowTaskBackoff.ToTimeSpan();
}
