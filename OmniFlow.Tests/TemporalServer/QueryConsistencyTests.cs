using OmniFlow.Tests.TemporalServer.Infrastructure;
using OmniFlow.Tests.TemporalServer.Workflows;

namespace OmniFlow.Tests.TemporalServer;

/// <summary>
/// A query never reaches a worker while a workflow task of its run is outstanding: it waits for the task. And a worker that
/// shuts down takes its sticky queue with it, so its runs' next tasks go straight to the normal queue.
/// </summary>
[Collection(TemporalServerCollection.Name)]
public sealed class QueryConsistencyTests(TimeSkippingServerFixture fixture) : IDisposable
{
    private readonly ServerHarness _harness = new(fixture.Environment, fixture.Logs);

    public void Dispose() => _harness.Dispose();

    [Fact]
    public async Task A_query_queued_before_a_signal_is_answered_after_the_signals_workflow_task_even_when_it_closes_the_run()
    {
        Action<Temporalio.Worker.TemporalWorkerOptions> workflows = o => o.AddWorkflow<ApprovalWorkflow>().AddAllActivities(new GreetingActivities());
        var handle = await _harness.WithWorkerAsync(workflows, async () =>
        {
            var handle = await _harness.Client.StartWorkflowAsync((ApprovalWorkflow wf) => wf.RunAsync("Eve"), _harness.Options());
            await CoreLoopTests.WaitForStatusAsync(handle, "waiting");
            return handle;
        });

        // No worker polls now: the query waits in the task queue, then the signal schedules a workflow task behind it.
        var query = handle.QueryAsync(wf => wf.Status);
        await Task.Delay(TimeSpan.FromMilliseconds(300), TestContext.Current.CancellationToken);
        await handle.SignalAsync(wf => wf.ApproveAsync());

        var answered = await _harness.WithWorkerAsync(workflows, async () =>
        {
            // Within seconds: the first worker's shutdown closed its sticky queue, so the signal's task went to the normal queue.
            var status = await query.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);
            Assert.Equal("Hello, Eve: approved", await handle.GetResultAsync());
            return status;
        });

        Assert.Equal("approved", answered);
        await _harness.AssertReplaysAsync(handle, o => o.AddWorkflow<ApprovalWorkflow>());
    }
}
