using OmniFlow.Tests.TemporalServer.Infrastructure;
using OmniFlow.Tests.TemporalServer.Workflows;
using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using Temporalio.Exceptions;

namespace OmniFlow.Tests.TemporalServer;

/// <summary>
/// A query's reject condition, as the real server's history service applies it: NOT_OPEN refuses every run that is not
/// running, NOT_COMPLETED_CLEANLY every closed run but a completed one. The refusal is an answer (query_rejected with the
/// run's status), given without a worker running the query.
/// </summary>
[Collection(TemporalServerCollection.Name)]
public sealed class QueryRejectConditionTests(TimeSkippingServerFixture fixture) : IDisposable
{
    private static readonly WorkflowQueryOptions NotOpen = new() { RejectCondition = QueryRejectCondition.NotOpen };
    private static readonly WorkflowQueryOptions NotCompletedCleanly = new() { RejectCondition = QueryRejectCondition.NotCompletedCleanly };

    private readonly ServerHarness _harness = new(fixture.Environment, fixture.Logs);

    public void Dispose() => _harness.Dispose();

    [Fact]
    public async Task A_running_run_answers_and_a_closed_one_is_refused_without_a_worker()
    {
        Action<Temporalio.Worker.TemporalWorkerOptions> workflows = o => o.AddWorkflow<ApprovalWorkflow>().AddAllActivities(new GreetingActivities());
        var completed = await _harness.WithWorkerAsync(workflows, async () =>
        {
            var handle = await _harness.Client.StartWorkflowAsync((ApprovalWorkflow wf) => wf.RunAsync("Ida"), _harness.Options());
            await CoreLoopTests.WaitForStatusAsync(handle, "waiting");
            Assert.Equal("waiting", await handle.QueryAsync(wf => wf.Status, NotOpen));
            Assert.Equal("waiting", await handle.QueryAsync(wf => wf.Status, NotCompletedCleanly));
            await handle.SignalAsync(wf => wf.ApproveAsync());
            await handle.GetResultAsync();
            Assert.Equal("approved", await handle.QueryAsync(wf => wf.Status, NotCompletedCleanly));
            return handle;
        });
        var terminated = await _harness.Client.StartWorkflowAsync((ApprovalWorkflow wf) => wf.RunAsync("Jo"), _harness.Options());
        await terminated.TerminateAsync("test over");

        // No worker polls: a query that had to run would wait; these are refused at once.
        var closed = await Assert.ThrowsAsync<WorkflowQueryRejectedException>(() => completed.QueryAsync(wf => wf.Status, NotOpen).WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken));
        Assert.Equal(WorkflowExecutionStatus.Completed, closed.WorkflowStatus);
        var unclean = await Assert.ThrowsAsync<WorkflowQueryRejectedException>(() => terminated.QueryAsync(wf => wf.Status, NotCompletedCleanly).WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken));
        Assert.Equal(WorkflowExecutionStatus.Terminated, unclean.WorkflowStatus);
        var response = await _harness.Client.WorkflowService.QueryWorkflowAsync(new()
        {
            Namespace = _harness.Client.Options.Namespace,
            Execution = new() { WorkflowId = terminated.Id },
            Query = new() { QueryType = "Status" },
            QueryRejectCondition = QueryRejectCondition.NotOpen,
        });
        Assert.Equal(WorkflowExecutionStatus.Terminated, response.QueryRejected.Status);
        Assert.Null(response.QueryResult);
    }
}
