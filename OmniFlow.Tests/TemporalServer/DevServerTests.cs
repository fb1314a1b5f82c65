using OmniFlow.Tests.TemporalServer.Infrastructure;
using OmniFlow.Tests.TemporalServer.Workflows;
using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using Temporalio.Exceptions;

namespace OmniFlow.Tests.TemporalServer;

/// <summary>The same server launched as the SDK's local dev server (`server start-dev ...`): real time.</summary>
[Collection(TemporalServerCollection.Name)]
public sealed class DevServerTests(LocalServerFixture fixture) : IDisposable
{
    private readonly ServerHarness _harness = new(fixture.Environment, fixture.Logs);

    public void Dispose() => _harness.Dispose();

    [Fact]
    public async Task Activity_signal_and_query_work_in_real_time()
    {
        var handle = await _harness.WithWorkerAsync(
            o => o.AddWorkflow<ApprovalWorkflow>().AddAllActivities(new GreetingActivities()),
            async () =>
            {
                var handle = await _harness.Client.StartWorkflowAsync((ApprovalWorkflow wf) => wf.RunAsync("Dev"), _harness.Options());
                for (var i = 0; i < 200 && await handle.QueryAsync(wf => wf.Status) != "waiting"; i++)
                {
                    await Task.Delay(20);
                }

                await handle.SignalAsync(wf => wf.ApproveAsync());
                Assert.Equal("Hello, Dev: approved", await handle.GetResultAsync());
                return handle;
            });

        await _harness.AssertReplaysAsync(handle, o => o.AddWorkflow<ApprovalWorkflow>());
        _harness.AssertSdkClean();
    }

    [Fact]
    public async Task Activity_retries_wait_out_their_real_backoff()
    {
        var started = DateTime.UtcNow;
        var result = await _harness.WithWorkerAsync(
            o => o.AddWorkflow<ActivityBehaviourWorkflow>().AddAllActivities(new FlakyActivities()),
            async () => await _harness.Client.ExecuteWorkflowAsync(
                (ActivityBehaviourWorkflow wf) => wf.RunAsync(new ActivityPlan(FailAttempts: 1)), _harness.Options()));

        Assert.Equal("succeeded on attempt 2", result);
        Assert.True(DateTime.UtcNow - started >= TimeSpan.FromSeconds(1), "the 1 s backoff ran on the real clock");
    }

    [Fact]
    public async Task Continue_as_new_and_children_complete_in_real_time_with_a_short_timer()
    {
        await _harness.WithWorkerAsync(
            o => o.AddWorkflow<ParentWorkflow>().AddWorkflow<ChildWorkflow>(),
            async () =>
            {
                var plan = new ParentPlan(ChildOutcome.Fail, ParentAction.AwaitChild, ServerHarness.NewId("child"));
                var handle = await _harness.Client.StartWorkflowAsync((ParentWorkflow wf) => wf.RunAsync(plan), _harness.Options());
                var failed = await Assert.ThrowsAsync<WorkflowFailedException>(() => handle.GetResultAsync());
                Assert.IsType<ChildWorkflowFailureException>(failed.InnerException);
                Assert.Contains(EventType.ChildWorkflowExecutionFailed, await _harness.EventTypesAsync(handle));
            });
    }

    [Fact]
    public async Task Unknown_namespace_is_not_found()
    {
        var client = await TemporalClient.ConnectAsync(new(_harness.Client.Connection.Options.TargetHost!) { Namespace = "no-such-namespace" });
        var error = await Assert.ThrowsAsync<RpcException>(() =>
            client.StartWorkflowAsync((ApprovalWorkflow wf) => wf.RunAsync("x"), _harness.Options()));
        Assert.Equal(RpcException.StatusCode.NotFound, error.Code);
    }
}
