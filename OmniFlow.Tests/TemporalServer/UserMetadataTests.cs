using OmniFlow.Tests.TemporalServer.Infrastructure;
using Temporalio.Activities;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.History.V1;
using Temporalio.Api.WorkflowService.V1;
using Temporalio.Client;
using Temporalio.Common;
using Temporalio.Workflows;

namespace OmniFlow.Tests.TemporalServer;

/// <summary>
/// Summaries, details and priorities are kept where the real server keeps them: the start's user metadata on the
/// WorkflowExecutionStarted event and describe's config, a command's user metadata on the event it writes (timer,
/// activity, child), and priorities on the started and scheduled events and in the activity task.
/// </summary>
[Collection(TemporalServerCollection.Name)]
public sealed class UserMetadataTests(TimeSkippingServerFixture fixture) : IDisposable
{
    private readonly ServerHarness _harness = new(fixture.Environment, fixture.Logs);

    public void Dispose() => _harness.Dispose();

    private static void Workers(Temporalio.Worker.TemporalWorkerOptions o) => o
        .AddWorkflow<SummarizedWorkflow>().AddWorkflow<SummarizedChildWorkflow>().AddAllActivities(typeof(PriorityActivities), null);

    private static void Replay(Temporalio.Worker.WorkflowReplayerOptions o) => o
        .AddWorkflow<SummarizedWorkflow>().AddWorkflow<SummarizedChildWorkflow>();

    [Fact]
    public async Task Summaries_details_and_priorities_are_kept_on_events_and_describe()
    {
        var options = _harness.Options();
        options.StaticSummary = "the workflow";
        options.StaticDetails = "what the workflow does";
        options.Priority = new Priority(priorityKey: 2, fairnessKey: "tenant-a");
        var handle = await _harness.WithWorkerAsync(Workers, async () =>
        {
            var handle = await _harness.Client.StartWorkflowAsync((SummarizedWorkflow wf) => wf.RunAsync(), options);
            Assert.Equal("3 child", await handle.GetResultAsync());
            return handle;
        });

        var description = await handle.DescribeAsync();
        var raw = await DescribeRawAsync(handle.Id);
        var metadata = raw.ExecutionConfig.UserMetadata;
        Assert.Equal("\"the workflow\"", metadata.Summary.Data.ToStringUtf8());
        Assert.Equal("\"what the workflow does\"", metadata.Details.Data.ToStringUtf8());
        Assert.Equal("the workflow", await description.GetStaticSummaryAsync());
        Assert.Equal(2, raw.WorkflowExecutionInfo.Priority.PriorityKey);

        var events = (await _harness.HistoryAsync(handle)).Events.ToList();
        var started = events[0];
        Assert.Equal("\"the workflow\"", started.UserMetadata.Summary.Data.ToStringUtf8());
        Assert.Equal(2, started.WorkflowExecutionStartedEventAttributes.Priority.PriorityKey);
        Assert.Equal("tenant-a", started.WorkflowExecutionStartedEventAttributes.Priority.FairnessKey);

        var timer = Assert.Single(events, e => e.EventType == EventType.TimerStarted);
        Assert.Equal("\"the nap\"", SummaryOf(timer));

        var activity = Assert.Single(events, e => e.EventType == EventType.ActivityTaskScheduled);
        Assert.Equal("\"the lookup\"", SummaryOf(activity));
        Assert.Equal(3, activity.ActivityTaskScheduledEventAttributes.Priority.PriorityKey);

        var child = Assert.Single(events, e => e.EventType == EventType.StartChildWorkflowExecutionInitiated);
        Assert.Equal("\"the child\"", SummaryOf(child));
        Assert.Equal(4, child.StartChildWorkflowExecutionInitiatedEventAttributes.Priority.PriorityKey);

        // A local activity's summary is on its marker, as the real server's history builder puts it.
        var marker = Assert.Single(events, e => e.EventType == EventType.MarkerRecorded);
        Assert.Equal("\"the local lookup\"", SummaryOf(marker));

        // The child run is started with the summary and priority its parent gave it.
        var childId = Assert.Single(events, e => e.EventType == EventType.ChildWorkflowExecutionStarted)
            .ChildWorkflowExecutionStartedEventAttributes.WorkflowExecution.WorkflowId;
        var childHandle = _harness.Client.GetWorkflowHandle(childId);
        var childStarted = (await _harness.HistoryAsync(childHandle)).Events.First();
        Assert.Equal("\"the child\"", SummaryOf(childStarted));
        Assert.Equal(4, childStarted.WorkflowExecutionStartedEventAttributes.Priority.PriorityKey);
        Assert.Equal("the child", await (await childHandle.DescribeAsync()).GetStaticSummaryAsync());

        await _harness.AssertReplaysAsync(handle, Replay);
        await _harness.AssertReplaysAsync(childHandle, Replay);
    }

    [Fact]
    public async Task Signal_with_start_keeps_the_summary_and_priority()
    {
        var options = _harness.Options();
        options.StaticSummary = "signalled";
        options.Priority = new Priority(priorityKey: 5);
        options.SignalWithStart((SummarizedChildWorkflow wf) => wf.PokeAsync());
        var handle = await _harness.WithWorkerAsync(Workers, async () =>
        {
            var handle = await _harness.Client.StartWorkflowAsync((SummarizedChildWorkflow wf) => wf.RunAsync(), options);
            Assert.Equal("child", await handle.GetResultAsync());
            return handle;
        });

        var started = (await _harness.HistoryAsync(handle)).Events.First();
        Assert.Equal("\"signalled\"", SummaryOf(started));
        Assert.Equal(5, started.WorkflowExecutionStartedEventAttributes.Priority.PriorityKey);
        Assert.Equal("signalled", await (await handle.DescribeAsync()).GetStaticSummaryAsync());
    }

    private Task<DescribeWorkflowExecutionResponse> DescribeRawAsync(string workflowId) =>
        _harness.Client.Connection.WorkflowService.DescribeWorkflowExecutionAsync(new DescribeWorkflowExecutionRequest
        {
            Namespace = _harness.Client.Options.Namespace,
            Execution = new() { WorkflowId = workflowId },
        });

    private static string? SummaryOf(HistoryEvent e) => e.UserMetadata?.Summary?.Data.ToStringUtf8();

    public static class PriorityActivities
    {
        /// <summary>Answers the priority key its task came with.</summary>
        [Activity]
        public static int PriorityKey() => ActivityExecutionContext.Current.Info.Priority.PriorityKey ?? 0;

        [Activity]
        public static string Nearby() => "nearby";
    }

    [Workflow]
    public sealed class SummarizedWorkflow
    {
        [WorkflowRun]
        public async Task<string> RunAsync()
        {
            await Workflow.DelayWithOptionsAsync(new DelayOptions(TimeSpan.FromMinutes(1), "the nap"));
            var key = await Workflow.ExecuteActivityAsync(
                () => PriorityActivities.PriorityKey(),
                new ActivityOptions
                {
                    StartToCloseTimeout = TimeSpan.FromMinutes(1),
                    Summary = "the lookup",
                    Priority = new Priority(priorityKey: 3),
                });
            var child = await Workflow.ExecuteChildWorkflowAsync(
                (SummarizedChildWorkflow wf) => wf.RunAsync(),
                new ChildWorkflowOptions
                {
                    Id = $"{Workflow.Info.WorkflowId}-child",
                    StaticSummary = "the child",
                    Priority = new Priority(priorityKey: 4),
                });
            await Workflow.ExecuteLocalActivityAsync(
                () => PriorityActivities.Nearby(),
                new LocalActivityOptions { StartToCloseTimeout = TimeSpan.FromMinutes(1), Summary = "the local lookup" });
            return $"{key} {child}";
        }
    }

    [Workflow]
    public sealed class SummarizedChildWorkflow
    {
        [WorkflowRun]
        public Task<string> RunAsync() => Task.FromResult("child");

        [WorkflowSignal]
        public Task PokeAsync() => Task.CompletedTask;
    }
}
