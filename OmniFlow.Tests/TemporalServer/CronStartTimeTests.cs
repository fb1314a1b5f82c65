using OmniFlow.TemporalServer.Hosting;
using OmniFlow.Tests.TemporalServer.Infrastructure;
using OmniFlow.Tests.TemporalServer.Workflows;
using Temporalio.Client;

namespace OmniFlow.Tests.TemporalServer;

/// <summary>
/// A cron run's wait is counted from its own start time, so its first task is due on the schedule time even when the
/// clock passes a schedule time while the server starts the run (a fresh-clone CI run once saw 22:30:01).
/// </summary>
public sealed class CronStartTimeTests
{
    [Fact]
    public async Task A_run_started_as_the_clock_passes_a_schedule_time_is_due_on_a_schedule_time()
    {
        var token = TestContext.Current.CancellationToken;
        var time = new StepwiseTime(step: TimeSpan.FromMilliseconds(250));
        await using var server = await TemporalTestServer.StartAsync(new TemporalServerOptions { Port = 0, RealTime = time }, token);
        var client = await TemporalClient.ConnectAsync(new(server.TargetAddress));

        // Each start begins a little earlier before its quarter hour, so that over the dozen the quarter hour falls
        // between every pair of clock readings the server makes while it starts a run.
        var quarter = DateTimeOffset.Parse("2026-12-03T12:15:00Z");
        for (var i = 1; i <= 12; i++)
        {
            quarter += TimeSpan.FromMinutes(15);
            time.Set(quarter - (i * time.Step));
            var handle = await client.StartWorkflowAsync(
                (CronCounterWorkflow wf) => wf.RunAsync(0),
                new WorkflowOptions(ServerHarness.NewId("cron-start"), ServerHarness.NewId("tq")) { CronSchedule = "*/15 * * * *" });

            var started = (await handle.FetchHistoryAsync()).Events.First();
            var due = started.EventTime.ToDateTimeOffset() + started.WorkflowExecutionStartedEventAttributes.FirstWorkflowTaskBackoff.ToTimeSpan();
            Assert.True(due.Minute % 15 == 0 && due.Second == 0, $"start {i}: the first task is due at {due:O}, off the schedule");
            await handle.TerminateAsync("checked");
        }
    }

    /// <summary>Real time as a test sets it, moving on by a step at every reading.</summary>
    private sealed class StepwiseTime(TimeSpan step) : TimeProvider
    {
        private readonly Lock sync = new();
        private DateTimeOffset now = DateTimeOffset.UnixEpoch;

        public TimeSpan Step => step;

        public void Set(DateTimeOffset value)
        {
            lock (sync)
            {
                now = value;
            }
        }

        public override DateTimeOffset GetUtcNow()
        {
            lock (sync)
            {
                var reading = now;
                now += step;
                return reading;
            }
        }
    }
}
