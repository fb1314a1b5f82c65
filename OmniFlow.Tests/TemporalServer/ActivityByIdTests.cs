using OmniFlow.Tests.TemporalServer.Infrastructure;
using OmniFlow.Tests.TemporalServer.Workflows;
using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using Temporalio.Exceptions;

namespace OmniFlow.Tests.TemporalServer;

/// <summary>Async activities failed and cancelled from outside the worker by workflow id and activity id.</summary>
[Collection(TemporalServerCollection.Name)]
public sealed class ActivityByIdTests(TimeSkippingServerFixture fixture) : IDisposable
{
    private readonly ServerHarness _harness = new(fixture.Environment, fixture.Logs);

    public void Dispose() => _harness.Dispose();

    private static void Workers(Temporalio.Worker.TemporalWorkerOptions o) => o
        .AddWorkflow<ExternallyResolvedWorkflow>().AddAllActivities(new ExternalActivities());

    /// <summary>The handle of the workflow's "external" activity, once a worker has started it.</summary>
    private async Task<AsyncActivityHandle> StartedActivityAsync(WorkflowHandle handle)
    {
        var activity = _harness.Client.GetAsyncActivityHandle(handle.Id, handle.ResultRunId!, "external");
        for (var i = 0; ; i++)
        {
            try
            {
                await activity.HeartbeatAsync();
                return activity;
            }
            catch (RpcException) when (i < 100)
            {
                await Task.Delay(20);
            }
        }
    }

    [Fact]
    public async Task Activity_failed_by_id_fails_the_workflow_with_the_given_application_failure()
    {
        var handle = await _harness.WithWorkerAsync(Workers, async () =>
        {
            var handle = await _harness.Client.StartWorkflowAsync((ExternallyResolvedWorkflow wf) => wf.RunAsync(), _harness.Options());
            var activity = await StartedActivityAsync(handle);
            await activity.FailAsync(new ApplicationFailureException("failed outside", "OutsideError", nonRetryable: true));
            var failed = await Assert.ThrowsAsync<WorkflowFailedException>(() => handle.GetResultAsync());
            var activityFailure = Assert.IsType<ActivityFailureException>(failed.InnerException);
            Assert.Equal(RetryState.NonRetryableFailure, (RetryState)activityFailure.RetryState);
            var application = Assert.IsType<ApplicationFailureException>(activityFailure.InnerException);
            Assert.Equal("failed outside", application.Message);
            Assert.Equal("OutsideError", application.ErrorType);
            return handle;
        });

        var types = await _harness.EventTypesAsync(handle);
        Assert.Equal([EventType.ActivityTaskStarted, EventType.ActivityTaskFailed], types.Where(t => t.ToString().StartsWith("ActivityTask", StringComparison.Ordinal)).Skip(1));
        await _harness.AssertReplaysAsync(handle, o => o.AddWorkflow<ExternallyResolvedWorkflow>());
    }

    [Fact]
    public async Task Activity_cancellation_reported_by_id_ends_the_cancel_requested_activity()
    {
        var handle = await _harness.WithWorkerAsync(Workers, async () =>
        {
            var handle = await _harness.Client.StartWorkflowAsync((ExternallyResolvedWorkflow wf) => wf.RunAsync(), _harness.Options());
            var activity = await StartedActivityAsync(handle);
            await handle.CancelAsync();
            for (var i = 0; i < 100 && !(await _harness.EventTypesAsync(handle)).Contains(EventType.ActivityTaskCancelRequested); i++)
            {
                await Task.Delay(20);
            }

            await activity.ReportCancellationAsync();
            Assert.Equal("cancelled outside", await handle.GetResultAsync());
            return handle;
        });

        var types = await _harness.EventTypesAsync(handle);
        Assert.Equal(
            [EventType.ActivityTaskScheduled, EventType.ActivityTaskCancelRequested, EventType.ActivityTaskStarted, EventType.ActivityTaskCanceled],
            types.Where(t => t.ToString().StartsWith("ActivityTask", StringComparison.Ordinal)));
        Assert.Equal(EventType.WorkflowExecutionCompleted, types[^1]);
        await _harness.AssertReplaysAsync(handle, o => o.AddWorkflow<ExternallyResolvedWorkflow>());
    }
}
