using OmniFlow.Tests.TemporalServer.Infrastructure;
using OmniFlow.Tests.TemporalServer.Workflows;
using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using Temporalio.Worker;

namespace OmniFlow.Tests.TemporalServer;

/// <summary>
/// A completion the server cannot take is rejected as a whole, as the real server does: none of its commands is
/// applied, the task fails with its cause (written as WorkflowTaskFailed) and is retried. Runs on its own client and
/// log sink: the SDK logs the rejected completion, which other tests treat as an alarm.
/// </summary>
[Collection(TemporalServerCollection.Name)]
public sealed class CompletionRejectionTests(TimeSkippingServerFixture fixture)
{
    [Fact]
    public async Task An_unsupported_command_rejects_the_whole_completion_and_the_task_is_retried()
    {
        using var logs = new SdkLogSink();
        var client = await TemporalClient.ConnectAsync(new(fixture.Environment.Client.Connection.Options.TargetHost!)
        {
            Runtime = logs.Runtime,
            LoggerFactory = logs.Factory,
        });
        var taskQueue = ServerHarness.NewId("tq");
        var workflowId = ServerHarness.NewId("nexus");
        using var worker = new TemporalWorker(client, new TemporalWorkerOptions(taskQueue) { LoggerFactory = logs.Factory }.AddWorkflow<NexusCallerWorkflow>());

        var handle = await worker.ExecuteAsync(async () =>
        {
            var handle = await client.StartWorkflowAsync(
                (NexusCallerWorkflow wf) => wf.RunAsync(),
                new WorkflowOptions(workflowId, taskQueue) { TaskTimeout = TimeSpan.FromSeconds(1) });

            // The failed task is retried: the worker runs the workflow again.
            for (var i = 0; i < 500 && NexusCallerWorkflow.ActivationsOf(workflowId) < 2; i++)
            {
                await Task.Delay(20, TestContext.Current.CancellationToken);
            }

            Assert.True(NexusCallerWorkflow.ActivationsOf(workflowId) >= 2, "the workflow task was not retried");
            await handle.TerminateAsync("done");
            return handle;
        }, TestContext.Current.CancellationToken);

        var events = (await handle.FetchHistoryAsync()).Events.ToList();
        Assert.Equal(
            [
                EventType.WorkflowExecutionStarted, EventType.WorkflowTaskScheduled, EventType.WorkflowTaskStarted,
                EventType.WorkflowTaskFailed,
            ],
            events.Select(e => e.EventType).Take(4));
        var failed = events[3].WorkflowTaskFailedEventAttributes;
        Assert.Equal(WorkflowTaskFailedCause.FeatureDisabled, failed.Cause);
        Assert.Equal("Nexus operations disabled", failed.Failure.Message);

        // Nothing of the rejected completion was applied: the timer the workflow started before the Nexus call is not there.
        Assert.DoesNotContain(events, e => e.EventType is EventType.TimerStarted or EventType.WorkflowTaskCompleted);
        Assert.Equal(EventType.WorkflowExecutionTerminated, events[^1].EventType);
    }
}
