using OmniFlow.Tests.TemporalServer.Infrastructure;
using OmniFlow.Tests.TemporalServer.Workflows;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.History.V1;
using Temporalio.Client;
using Temporalio.Common;
using Temporalio.Exceptions;
using Temporalio.Worker;

namespace OmniFlow.Tests.TemporalServer;

/// <summary>
/// A workflow's retry policy, as a real server applies it: a failed or timed-out run closes as such with
/// new_execution_run_id, and a new run of the same workflow id starts after the backoff with the next attempt; the
/// client's GetResult follows the chain. Non-retryable types, maximum attempts, cancel and terminate end the chain.
/// </summary>
[Collection(TemporalServerCollection.Name)]
public sealed class WorkflowRetryTests(TimeSkippingServerFixture fixture) : IDisposable
{
    private readonly ServerHarness _harness = new(fixture.Environment, fixture.Logs);

    public void Dispose() => _harness.Dispose();

    private static void Workflows(TemporalWorkerOptions o) =>
        o.AddWorkflow<FailUntilAttemptWorkflow>().AddWorkflow<RetryingChildParentWorkflow>().AddWorkflow<SleeperWorkflow>();

    private static void Replay(WorkflowReplayerOptions o) =>
        o.AddWorkflow<FailUntilAttemptWorkflow>().AddWorkflow<RetryingChildParentWorkflow>().AddWorkflow<SleeperWorkflow>();

    private static RetryPolicy Policy(int maximumAttempts, params string[] nonRetryable) => new()
    {
        InitialInterval = TimeSpan.FromSeconds(1),
        BackoffCoefficient = 2,
        MaximumAttempts = maximumAttempts,
        NonRetryableErrorTypes = nonRetryable,
    };

    private WorkflowOptions Options(RetryPolicy policy, TimeSpan? runTimeout = null)
    {
        var options = _harness.Options();
        options.RetryPolicy = policy;
        options.RunTimeout = runTimeout;
        return options;
    }

    [Fact]
    public async Task A_failed_run_is_retried_as_a_new_run_with_the_next_attempt_until_one_succeeds()
    {
        var handle = await _harness.WithWorkerAsync(Workflows, async () =>
        {
            var handle = await _harness.Client.StartWorkflowAsync(
                (FailUntilAttemptWorkflow wf) => wf.RunAsync(3, "Flaky"), Options(Policy(maximumAttempts: 5)));
            Assert.Equal(3, await handle.GetResultAsync());
            return handle;
        });

        var runs = await ChainAsync(handle);
        Assert.Equal(3, runs.Count);
        var firstRunId = handle.ResultRunId!;
        for (var i = 0; i < runs.Count; i++)
        {
            var started = runs[i].Events[0].WorkflowExecutionStartedEventAttributes;
            Assert.Equal(i + 1, started.Attempt);
            Assert.Equal(firstRunId, started.FirstExecutionRunId);
            Assert.Equal(5, started.RetryPolicy.MaximumAttempts);
            Assert.Equal(TimeSpan.FromSeconds(100), started.RetryPolicy.MaximumInterval.ToTimeSpan());
        }

        // Runs 1 and 2 close as failed, naming their successor; it starts after the policy's backoff (1 s, then 2 s).
        for (var i = 0; i < 2; i++)
        {
            Assert.Equal(
                [EventType.WorkflowExecutionStarted, EventType.WorkflowTaskScheduled, EventType.WorkflowTaskStarted, EventType.WorkflowTaskCompleted, EventType.WorkflowExecutionFailed],
                runs[i].Events.Select(e => e.EventType));
            var failed = runs[i].Events[^1].WorkflowExecutionFailedEventAttributes;
            Assert.Equal(RetryState.InProgress, failed.RetryState);
            Assert.Equal($"attempt {i + 1} failed", failed.Failure.Message);

            var next = runs[i + 1].Events[0].WorkflowExecutionStartedEventAttributes;
            Assert.Equal(failed.NewExecutionRunId, runs[i + 1].RunId);
            Assert.Equal(runs[i].RunId, next.ContinuedExecutionRunId);
            Assert.Equal(ContinueAsNewInitiator.Retry, next.Initiator);
            Assert.Equal($"attempt {i + 1} failed", next.ContinuedFailure.Message);
            Assert.Equal(TimeSpan.FromSeconds(1 << i), next.FirstWorkflowTaskBackoff.ToTimeSpan());
            Assert.True(runs[i + 1].Events[1].EventTime.ToDateTime() - runs[i + 1].Events[0].EventTime.ToDateTime() >= TimeSpan.FromSeconds(1 << i));
        }

        var completed = runs[2].Events[^1].WorkflowExecutionCompletedEventAttributes;
        Assert.Equal("", completed.NewExecutionRunId);

        var first = await _harness.Client.GetWorkflowHandle(handle.Id, firstRunId).DescribeAsync();
        Assert.Equal(WorkflowExecutionStatus.Failed, first.Status);
        foreach (var run in runs)
        {
            await _harness.AssertReplaysAsync(_harness.Client.GetWorkflowHandle(handle.Id, run.RunId), Replay);
        }

        _harness.AssertSdkClean();
    }

    [Fact]
    public async Task Retries_stop_at_the_maximum_attempts_and_the_client_sees_the_last_failure()
    {
        var handle = await _harness.WithWorkerAsync(Workflows, async () =>
        {
            var handle = await _harness.Client.StartWorkflowAsync(
                (FailUntilAttemptWorkflow wf) => wf.RunAsync(0, "Flaky"), Options(Policy(maximumAttempts: 2)));
            var failed = await Assert.ThrowsAsync<WorkflowFailedException>(() => handle.GetResultAsync());
            Assert.Equal("attempt 2 failed", Assert.IsType<ApplicationFailureException>(failed.InnerException).Message);
            return handle;
        });

        var runs = await ChainAsync(handle);
        Assert.Equal(2, runs.Count);
        var last = runs[^1].Events[^1].WorkflowExecutionFailedEventAttributes;
        Assert.Equal(RetryState.MaximumAttemptsReached, last.RetryState);
        Assert.Equal("", last.NewExecutionRunId);
        _harness.AssertSdkClean();
    }

    [Fact]
    public async Task A_non_retryable_error_type_ends_the_chain_at_the_first_failure()
    {
        var handle = await _harness.WithWorkerAsync(Workflows, async () =>
        {
            var handle = await _harness.Client.StartWorkflowAsync(
                (FailUntilAttemptWorkflow wf) => wf.RunAsync(3, "Fatal"), Options(Policy(maximumAttempts: 5, "Fatal")));
            var failed = await Assert.ThrowsAsync<WorkflowFailedException>(() => handle.GetResultAsync());
            Assert.Equal("attempt 1 failed", Assert.IsType<ApplicationFailureException>(failed.InnerException).Message);
            return handle;
        });

        var runs = await ChainAsync(handle);
        var failed = Assert.Single(runs).Events[^1].WorkflowExecutionFailedEventAttributes;
        Assert.Equal(RetryState.NonRetryableFailure, failed.RetryState);
        _harness.AssertSdkClean();
    }

    [Fact]
    public async Task A_run_timeout_is_retried_and_the_last_timeout_reaches_the_client()
    {
        var handle = await _harness.WithWorkerAsync(Workflows, async () =>
        {
            var options = Options(Policy(maximumAttempts: 2), runTimeout: TimeSpan.FromMinutes(1));
            var handle = await _harness.Client.StartWorkflowAsync((SleeperWorkflow wf) => wf.RunAsync(), options);
            var failed = await Assert.ThrowsAsync<WorkflowFailedException>(() => handle.GetResultAsync());
            Assert.IsType<TimeoutFailureException>(failed.InnerException);
            return handle;
        });

        var runs = await ChainAsync(handle);
        Assert.Equal(2, runs.Count);
        var first = runs[0].Events[^1].WorkflowExecutionTimedOutEventAttributes;
        Assert.Equal(RetryState.InProgress, first.RetryState);
        var second = runs[1].Events[0].WorkflowExecutionStartedEventAttributes;
        Assert.Equal(2, second.Attempt);
        Assert.Equal(ContinueAsNewInitiator.Retry, second.Initiator);
        Assert.Equal(TimeoutType.StartToClose, second.ContinuedFailure.TimeoutFailureInfo.TimeoutType);
        Assert.Equal(RetryState.MaximumAttemptsReached, runs[1].Events[^1].WorkflowExecutionTimedOutEventAttributes.RetryState);
        _harness.AssertSdkClean();
    }

    [Fact]
    public async Task A_cancelled_run_is_not_retried()
    {
        var handle = await _harness.WithWorkerAsync(Workflows, async () =>
        {
            var handle = await _harness.Client.StartWorkflowAsync((SleeperWorkflow wf) => wf.RunAsync(), Options(Policy(maximumAttempts: 5)));
            await handle.CancelAsync();
            var failed = await Assert.ThrowsAsync<WorkflowFailedException>(() => handle.GetResultAsync());
            Assert.IsType<CanceledFailureException>(failed.InnerException);
            return handle;
        });

        var current = await _harness.Client.GetWorkflowHandle(handle.Id).DescribeAsync();
        Assert.Equal(handle.ResultRunId, current.RunId);
        Assert.Equal(WorkflowExecutionStatus.Canceled, current.Status);
        _harness.AssertSdkClean();
    }

    [Fact]
    public async Task A_retried_child_reports_to_its_parent_once_when_its_chain_ends()
    {
        var childId = ServerHarness.NewId("child");
        var parent = await _harness.WithWorkerAsync(Workflows, async () =>
        {
            var parent = await _harness.Client.StartWorkflowAsync(
                (RetryingChildParentWorkflow wf) => wf.RunAsync(childId, 2), _harness.Options());
            Assert.Equal(2, await parent.GetResultAsync());
            return parent;
        });

        var types = await _harness.EventTypesAsync(parent);
        Assert.Equal(
            [EventType.StartChildWorkflowExecutionInitiated, EventType.ChildWorkflowExecutionStarted, EventType.ChildWorkflowExecutionCompleted],
            types.Where(t => t.ToString().Contains("Child", StringComparison.Ordinal)).ToList());
        var child = await _harness.Client.GetWorkflowHandle(childId).DescribeAsync();
        Assert.Equal(WorkflowExecutionStatus.Completed, child.Status);
        await _harness.AssertReplaysAsync(parent, Replay);
        _harness.AssertSdkClean();
    }

    [Fact]
    public async Task An_invalid_retry_policy_is_rejected_at_start()
    {
        var policy = new RetryPolicy { InitialInterval = TimeSpan.FromSeconds(10), MaximumInterval = TimeSpan.FromSeconds(1) };
        var rejected = await Assert.ThrowsAsync<RpcException>(() => _harness.Client.StartWorkflowAsync(
            (FailUntilAttemptWorkflow wf) => wf.RunAsync(1, "Flaky"), Options(policy)));
        Assert.Equal(RpcException.StatusCode.InvalidArgument, rejected.Code);
        Assert.Contains("MaximumInterval cannot be less than InitialInterval", rejected.Message);
    }

    /// <summary>Every run of the handle's chain, from its first run, following new_execution_run_id.</summary>
    private async Task<List<RunHistory>> ChainAsync(WorkflowHandle handle)
    {
        var runs = new List<RunHistory>();
        var runId = handle.ResultRunId;
        while (!string.IsNullOrEmpty(runId))
        {
            var history = await _harness.Client.GetWorkflowHandle(handle.Id, runId).FetchHistoryAsync();
            var events = history.Events.ToList();
            runs.Add(new RunHistory(runId, events));
            var last = events[^1];
            runId = last.WorkflowExecutionFailedEventAttributes?.NewExecutionRunId ??
                    last.WorkflowExecutionTimedOutEventAttributes?.NewExecutionRunId ??
                    last.WorkflowExecutionCompletedEventAttributes?.NewExecutionRunId;
        }

        return runs;
    }

    private sealed record RunHistory(string RunId, IReadOnlyList<HistoryEvent> Events);
}
