using OmniFlow.Tests.TemporalServer.Infrastructure;
using OmniFlow.Tests.TemporalServer.Workflows;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.History.V1;
using Temporalio.Api.WorkflowService.V1;
using Temporalio.Client;
using Temporalio.Exceptions;
using Temporalio.Worker;

namespace OmniFlow.Tests.TemporalServer;

/// <summary>
/// Workflow updates with the real SDK: the update protocol messages in workflow tasks, the accepted/completed events,
/// validator rejections, id dedup, updates outliving their worker, and update-with-start.
/// </summary>
[Collection(TemporalServerCollection.Name)]
public sealed class UpdateTests(TimeSkippingServerFixture fixture, LocalServerFixture local) : IDisposable
{
    private readonly ServerHarness _harness = new(fixture.Environment, fixture.Logs);

    public void Dispose() => _harness.Dispose();

    private static void Workflows(TemporalWorkerOptions o) => o.AddWorkflow<CounterUpdateWorkflow>().AddWorkflow<TimerUpdateWorkflow>();

    private static void Replay(WorkflowReplayerOptions o) => o.AddWorkflow<CounterUpdateWorkflow>().AddWorkflow<TimerUpdateWorkflow>();

    private Task<T> RunAsync<T>(Func<Task<T>> body) => _harness.WithWorkerAsync(Workflows, body);

    private Task<WorkflowHandle<CounterUpdateWorkflow, int>> StartCounterAsync(int start = 10) =>
        _harness.Client.StartWorkflowAsync((CounterUpdateWorkflow wf) => wf.RunAsync(start), _harness.Options());

    [Fact]
    public async Task Execute_update_returns_the_handlers_value_and_writes_accepted_then_completed()
    {
        var updateId = ServerHarness.NewId("upd");
        var handle = await RunAsync(async () =>
        {
            var handle = await StartCounterAsync();
            Assert.Equal(15, await handle.ExecuteUpdateAsync(wf => wf.AddAsync(5), new(updateId)));
            Assert.Equal(15, await handle.QueryAsync(wf => wf.Count));
            await handle.SignalAsync(wf => wf.FinishAsync());
            Assert.Equal(15, await handle.GetResultAsync());
            return handle;
        });

        var events = (await _harness.HistoryAsync(handle)).Events.ToList();
        var accepted = Assert.Single(events, e => e.EventType == EventType.WorkflowExecutionUpdateAccepted);
        var completed = Assert.Single(events, e => e.EventType == EventType.WorkflowExecutionUpdateCompleted);
        Assert.Equal(EventType.WorkflowTaskCompleted, events[(int)accepted.EventId - 2].EventType);
        var acceptedAttributes = accepted.WorkflowExecutionUpdateAcceptedEventAttributes;
        Assert.Equal(updateId, acceptedAttributes.ProtocolInstanceId);
        Assert.Equal($"{updateId}/request", acceptedAttributes.AcceptedRequestMessageId);
        Assert.Equal("Add", acceptedAttributes.AcceptedRequest.Input.Name);
        Assert.Equal(updateId, acceptedAttributes.AcceptedRequest.Meta.UpdateId);
        var sequencedAfter = events[(int)acceptedAttributes.AcceptedRequestSequencingEventId - 1];
        Assert.Equal(EventType.WorkflowTaskStarted, events[(int)sequencedAfter.EventId].EventType);
        var completedAttributes = completed.WorkflowExecutionUpdateCompletedEventAttributes;
        Assert.Equal(accepted.EventId, completedAttributes.AcceptedEventId);
        Assert.Equal(updateId, completedAttributes.Meta.UpdateId);
        Assert.NotNull(completedAttributes.Outcome.Success);
        await _harness.AssertReplaysAsync(handle, Replay);
    }

    [Fact]
    public async Task Validator_rejection_fails_the_update_writes_no_update_event_and_frees_the_id()
    {
        var updateId = ServerHarness.NewId("upd");
        var handle = await RunAsync(async () =>
        {
            var handle = await StartCounterAsync();
            var failed = await Assert.ThrowsAsync<WorkflowUpdateFailedException>(() => handle.ExecuteUpdateAsync(wf => wf.AddAsync(-1), new(updateId)));
            Assert.Equal("amount must not be negative", Assert.IsType<ApplicationFailureException>(failed.InnerException).Message);
            Assert.DoesNotContain(await _harness.EventTypesAsync(handle), IsUpdateEvent);
            Assert.Equal(10, await handle.QueryAsync(wf => wf.Count));

            // The registry forgets a rejection: the same id is admitted and validated afresh.
            Assert.Equal(12, await handle.ExecuteUpdateAsync(wf => wf.AddAsync(2), new(updateId)));
            await handle.SignalAsync(wf => wf.FinishAsync());
            Assert.Equal(12, await handle.GetResultAsync());
            return handle;
        });

        Assert.Equal(
            [EventType.WorkflowExecutionUpdateAccepted, EventType.WorkflowExecutionUpdateCompleted],
            (await _harness.EventTypesAsync(handle)).Where(IsUpdateEvent));
        await _harness.AssertReplaysAsync(handle, Replay);
    }

    [Fact]
    public async Task Rejected_update_with_nothing_else_pending_leaves_the_history_as_it_was()
    {
        var handle = await RunAsync(async () =>
        {
            var handle = await StartCounterAsync();
            await ServerHarness.WaitUntilAsync(async () => (await _harness.EventTypesAsync(handle)).Contains(EventType.WorkflowTaskCompleted));
            var before = (await _harness.HistoryAsync(handle)).Events.ToList();

            // Each rejection rides a speculative workflow task that is discarded: the worker (its run cached on the
            // sticky queue) rolls back to the last completed task.
            for (var i = 0; i < 3; i++)
            {
                await Assert.ThrowsAsync<WorkflowUpdateFailedException>(() => handle.ExecuteUpdateAsync(wf => wf.AddAsync(-1)));
            }

            Assert.Equal(before, (await _harness.HistoryAsync(handle)).Events);
            Assert.Equal(13, await handle.ExecuteUpdateAsync(wf => wf.AddAsync(3)));
            await Assert.ThrowsAsync<WorkflowUpdateFailedException>(() => handle.ExecuteUpdateAsync(wf => wf.AddAsync(-1)));
            await handle.SignalAsync(wf => wf.FinishAsync());
            Assert.Equal(13, await handle.GetResultAsync());
            return handle;
        });

        Assert.Equal(
            [
                EventType.WorkflowExecutionStarted, EventType.WorkflowTaskScheduled, EventType.WorkflowTaskStarted, EventType.WorkflowTaskCompleted,
                EventType.WorkflowTaskScheduled, EventType.WorkflowTaskStarted, EventType.WorkflowTaskCompleted,
                EventType.WorkflowExecutionUpdateAccepted, EventType.WorkflowExecutionUpdateCompleted,
                EventType.WorkflowExecutionSignaled, EventType.WorkflowTaskScheduled, EventType.WorkflowTaskStarted, EventType.WorkflowTaskCompleted,
                EventType.WorkflowExecutionCompleted,
            ],
            await _harness.EventTypesAsync(handle));
        await _harness.AssertReplaysAsync(handle, Replay);
    }

    [Fact]
    public async Task Speculative_task_that_a_signal_overtakes_is_written_with_the_signal()
    {
        var handle = await RunAsync(async () =>
        {
            var handle = await StartCounterAsync();
            await ServerHarness.WaitUntilAsync(async () => (await _harness.EventTypesAsync(handle)).Contains(EventType.WorkflowTaskCompleted));
            return handle;
        });

        // No worker: the update's speculative task waits, then a signal is written before it starts.
        var updateId = ServerHarness.NewId("upd");
        var rejected = Task.Run(() => handle.ExecuteUpdateAsync(wf => wf.AddAsync(-1), new(updateId)));
        await WaitForStageAsync(handle.Id, updateId, UpdateWorkflowExecutionLifecycleStage.Admitted);
        await handle.SignalAsync(wf => wf.NoteAsync("a"));
        await RunAsync(async () =>
        {
            await Assert.ThrowsAsync<WorkflowUpdateFailedException>(() => rejected);
            Assert.Equal("a", await handle.ExecuteUpdateAsync(wf => wf.NotesAsync()));
            await handle.SignalAsync(wf => wf.FinishAsync());
            return await handle.GetResultAsync();
        });

        var types = await _harness.EventTypesAsync(handle);
        Assert.Equal(
            [
                EventType.WorkflowExecutionStarted, EventType.WorkflowTaskScheduled, EventType.WorkflowTaskStarted, EventType.WorkflowTaskCompleted,
                EventType.WorkflowExecutionSignaled, EventType.WorkflowTaskScheduled, EventType.WorkflowTaskStarted, EventType.WorkflowTaskCompleted,
            ],
            types.Take(8));
        Assert.Equal(2, types.Count(IsUpdateEvent));
        await _harness.AssertReplaysAsync(handle, Replay);
    }

    [Fact]
    public async Task A_speculative_task_carrying_an_update_is_the_pending_workflow_task_that_describe_shows()
    {
        var handle = await RunAsync(async () =>
        {
            var handle = await StartCounterAsync();
            await ServerHarness.WaitUntilAsync(async () => (await _harness.EventTypesAsync(handle)).Contains(EventType.WorkflowTaskCompleted));
            return handle;
        });
        Assert.Null((await DescribeRawAsync(handle.Id)).PendingWorkflowTask);
        var eventsBefore = (await _harness.EventTypesAsync(handle)).Count;

        var updateId = ServerHarness.NewId("upd");
        var update = Task.Run(() => handle.ExecuteUpdateAsync(wf => wf.AddAsync(3), new(updateId)));
        await WaitForStageAsync(handle.Id, updateId, UpdateWorkflowExecutionLifecycleStage.Admitted);

        var pending = (await DescribeRawAsync(handle.Id)).PendingWorkflowTask;
        Assert.NotNull(pending);
        Assert.Equal(PendingWorkflowTaskState.Scheduled, pending.State);
        Assert.Equal(1, pending.Attempt);
        Assert.Equal(eventsBefore, (await _harness.EventTypesAsync(handle)).Count);

        Assert.Equal(13, await RunAsync(() => update));
        await handle.TerminateAsync("done");
    }

    [Fact]
    public async Task Update_its_poll_and_an_update_with_start_admitted_to_a_run_that_times_out_into_a_retry_move_to_the_new_run()
    {
        // Real time (the dev server): with no worker, the time-skipping clock would wait for the pending task. Every
        // run times out after a second and is retried, so the update moves on until a worker takes it.
        using var harness = new ServerHarness(local.Environment, local.Logs);
        var options = harness.Options();
        options.RunTimeout = TimeSpan.FromSeconds(1);
        options.RetryPolicy = new() { InitialInterval = TimeSpan.FromMilliseconds(100), BackoffCoefficient = 1 };
        var started = await harness.Client.StartWorkflowAsync((CounterUpdateWorkflow wf) => wf.RunAsync(10), options);
        var first = harness.Client.GetWorkflowHandle(started.Id, started.ResultRunId);

        var updateId = ServerHarness.NewId("upd");
        var current = harness.Client.GetWorkflowHandle<CounterUpdateWorkflow>(first.Id);
        var update = Task.Run(() => current.ExecuteUpdateAsync(wf => wf.AddAsync(3), new(updateId)));
        await WaitForStageAsync(harness, first.Id, updateId, UpdateWorkflowExecutionLifecycleStage.Admitted);

        // A poll that names no run follows the update to the new run, as does an update-with-start's update.
        var poll = PollStageAsync(harness, first.Id, updateId, UpdateWorkflowExecutionLifecycleStage.Completed);
        var withStartId = ServerHarness.NewId("wf");
        var withStart = WithStartWorkflowOperation.Create(
            (CounterUpdateWorkflow wf) => wf.RunAsync(20),
            new(withStartId, harness.TaskQueue)
            {
                IdConflictPolicy = WorkflowIdConflictPolicy.UseExisting,
                RunTimeout = TimeSpan.FromSeconds(1),
                RetryPolicy = new() { InitialInterval = TimeSpan.FromMilliseconds(100), BackoffCoefficient = 1 },
            });
        var updateWithStart = Task.Run(() => harness.Client.ExecuteUpdateWithStartWorkflowAsync((CounterUpdateWorkflow wf) => wf.AddAsync(4), new(withStart)));
        var described = await first.DescribeAsync();
        for (var i = 0; i < 100 && described.Status == WorkflowExecutionStatus.Running; i++)
        {
            await Task.Delay(50, TestContext.Current.CancellationToken);
            described = await first.DescribeAsync();
        }

        Assert.Equal(WorkflowExecutionStatus.TimedOut, described.Status);
        // (The with-start operation answers only with its update's outcome: its runs are found by their workflow id.)
        await ServerHarness.WaitUntilAsync(async () =>
            (await harness.Client.CountWorkflowsAsync($"WorkflowId = '{withStartId}' AND ExecutionStatus = 'TimedOut'")).Count > 0);
        var (updated, polled, updatedWithStart) = await harness.WithWorkerAsync(Workflows, async () =>
            (await update, await poll, await updateWithStart));
        Assert.Equal(13, updated);
        Assert.Equal(UpdateWorkflowExecutionLifecycleStage.Completed, polled.Stage);
        Assert.Equal("13", polled.Outcome.Success.Payloads_[0].Data.ToStringUtf8());
        Assert.NotEqual(first.RunId, polled.UpdateRef.WorkflowExecution.RunId);
        Assert.Equal(24, updatedWithStart);
        await current.TerminateAsync("done");
        await harness.Client.GetWorkflowHandle(withStartId).TerminateAsync("done");

        Assert.DoesNotContain(await harness.EventTypesAsync(first), IsUpdateEvent);
        var updateEvents = 0;
        await foreach (var run in harness.Client.ListWorkflowsAsync($"WorkflowId = '{first.Id}'"))
        {
            var types = await harness.EventTypesAsync(harness.Client.GetWorkflowHandle(run.Id, run.RunId));
            updateEvents += types.Count(IsUpdateEvent);
        }

        Assert.Equal(2, updateEvents);
    }

    [Fact]
    public async Task Handler_failure_fails_the_update_and_the_workflow_keeps_running()
    {
        var handle = await RunAsync(async () =>
        {
            var handle = await StartCounterAsync();
            var failed = await Assert.ThrowsAsync<WorkflowUpdateFailedException>(() => handle.ExecuteUpdateAsync(wf => wf.BreakAsync()));
            Assert.Equal("handler broke", Assert.IsType<ApplicationFailureException>(failed.InnerException).Message);
            Assert.Equal(11, await handle.ExecuteUpdateAsync(wf => wf.AddAsync(1)));
            await handle.SignalAsync(wf => wf.FinishAsync());
            Assert.Equal(11, await handle.GetResultAsync());
            return handle;
        });

        var events = (await _harness.HistoryAsync(handle)).Events.ToList();
        var outcomes = events.Where(e => e.EventType == EventType.WorkflowExecutionUpdateCompleted)
            .Select(e => e.WorkflowExecutionUpdateCompletedEventAttributes.Outcome).ToList();
        Assert.Equal(2, outcomes.Count);
        Assert.Equal("handler broke", outcomes[0].Failure.Message);
        Assert.NotNull(outcomes[1].Success);
        Assert.Equal(EventType.WorkflowExecutionCompleted, events[^1].EventType);
        await _harness.AssertReplaysAsync(handle, Replay);
    }

    [Fact]
    public async Task Started_update_is_accepted_first_and_its_result_is_read_later_through_the_handle()
    {
        var updateId = ServerHarness.NewId("upd");
        var handle = await RunAsync(async () =>
        {
            var handle = await StartCounterAsync();
            var update = await handle.StartUpdateAsync(wf => wf.WaitForReleaseAsync(), new(updateId, WorkflowUpdateStage.Accepted));
            var types = await _harness.EventTypesAsync(handle);
            Assert.Contains(EventType.WorkflowExecutionUpdateAccepted, types);
            Assert.DoesNotContain(EventType.WorkflowExecutionUpdateCompleted, types);
            var stage = await PollStageAsync(handle.Id, updateId);
            Assert.Equal(UpdateWorkflowExecutionLifecycleStage.Accepted, stage.Stage);
            Assert.Null(stage.Outcome);

            await handle.SignalAsync(wf => wf.ReleaseAsync());
            Assert.Equal("released at 10", await update.GetResultAsync());
            Assert.Equal("released at 10", await handle.GetUpdateHandle<string>(updateId).GetResultAsync());
            stage = await PollStageAsync(handle.Id, updateId);
            Assert.Equal(UpdateWorkflowExecutionLifecycleStage.Completed, stage.Stage);
            Assert.NotNull(stage.Outcome.Success);
            await handle.SignalAsync(wf => wf.FinishAsync());
            await handle.GetResultAsync();
            return handle;
        });

        await _harness.AssertReplaysAsync(handle, Replay);
    }

    [Fact]
    public async Task Duplicate_update_id_returns_the_first_outcome_and_writes_once_even_after_the_workflow_closed()
    {
        var updateId = ServerHarness.NewId("upd");
        var handle = await RunAsync(async () =>
        {
            var handle = await StartCounterAsync();
            Assert.Equal(15, await handle.ExecuteUpdateAsync(wf => wf.AddAsync(5), new(updateId)));
            Assert.Equal(15, await handle.ExecuteUpdateAsync(wf => wf.AddAsync(100), new(updateId)));
            Assert.Equal(15, await handle.QueryAsync(wf => wf.Count));
            await handle.SignalAsync(wf => wf.FinishAsync());
            Assert.Equal(15, await handle.GetResultAsync());

            // Closed: the known id still answers with its outcome, read from the UpdateCompleted event.
            Assert.Equal(15, await handle.ExecuteUpdateAsync(wf => wf.AddAsync(7), new(updateId)));
            return handle;
        });

        Assert.Equal(
            [EventType.WorkflowExecutionUpdateAccepted, EventType.WorkflowExecutionUpdateCompleted],
            (await _harness.EventTypesAsync(handle)).Where(IsUpdateEvent));
        await _harness.AssertReplaysAsync(handle, Replay);
    }

    [Fact]
    public async Task Update_to_a_completed_workflow_fails_as_on_a_real_server()
    {
        var handle = await RunAsync(async () =>
        {
            var handle = await StartCounterAsync();
            await handle.SignalAsync(wf => wf.FinishAsync());
            await handle.GetResultAsync();
            var error = await Assert.ThrowsAsync<RpcException>(() => handle.ExecuteUpdateAsync(wf => wf.AddAsync(1)));
            Assert.Equal(RpcException.StatusCode.NotFound, error.Code);
            Assert.Contains("workflow execution already completed", error.Message, StringComparison.Ordinal);
            return handle;
        });

        Assert.DoesNotContain(await _harness.EventTypesAsync(handle), IsUpdateEvent);
    }

    [Fact]
    public async Task Accepted_update_fails_when_the_workflow_completes_before_answering()
    {
        var handle = await RunAsync(async () =>
        {
            var handle = await StartCounterAsync();
            var update = await handle.StartUpdateAsync(wf => wf.WaitForReleaseAsync(), new(WorkflowUpdateStage.Accepted));
            await handle.SignalAsync(wf => wf.FinishAsync());
            Assert.Equal(10, await handle.GetResultAsync());
            var failed = await Assert.ThrowsAsync<WorkflowUpdateFailedException>(() => update.GetResultAsync());
            Assert.Contains("Workflow completed before the Update completed", failed.InnerException?.Message, StringComparison.Ordinal);
            return handle;
        });

        var types = await _harness.EventTypesAsync(handle);
        Assert.Contains(EventType.WorkflowExecutionUpdateAccepted, types);
        Assert.DoesNotContain(EventType.WorkflowExecutionUpdateCompleted, types);
        await _harness.AssertReplaysAsync(handle, Replay);
    }

    [Fact]
    public async Task Update_admitted_before_any_worker_polls_waits_and_rides_the_first_workflow_task()
    {
        var handle = await StartCounterAsync();
        var updateId = ServerHarness.NewId("upd");
        var update = Task.Run(() => handle.ExecuteUpdateAsync(wf => wf.AddAsync(3), new(updateId)));
        await WaitForStageAsync(handle.Id, updateId, UpdateWorkflowExecutionLifecycleStage.Admitted);
        Assert.False(update.IsCompleted);

        await RunAsync(async () =>
        {
            Assert.Equal(13, await update);
            await handle.SignalAsync(wf => wf.FinishAsync());
            return await handle.GetResultAsync();
        });

        var types = await _harness.EventTypesAsync(handle);
        Assert.Equal(
            [
                EventType.WorkflowExecutionStarted, EventType.WorkflowTaskScheduled, EventType.WorkflowTaskStarted,
                EventType.WorkflowTaskCompleted, EventType.WorkflowExecutionUpdateAccepted, EventType.WorkflowExecutionUpdateCompleted,
            ],
            types.Take(6));
        await _harness.AssertReplaysAsync(handle, Replay);
    }

    [Fact]
    public async Task Update_sent_with_a_failed_workflow_task_is_sent_again_with_the_next()
    {
        var handle = await StartCounterAsync();
        var updateId = ServerHarness.NewId("upd");
        var update = Task.Run(() => handle.ExecuteUpdateAsync(wf => wf.AddAsync(4), new(updateId)));
        await WaitForStageAsync(handle.Id, updateId, UpdateWorkflowExecutionLifecycleStage.Admitted);

        // A worker that takes the task and fails it, as one that crashed would be timed out.
        var service = _harness.Client.Connection.WorkflowService;
        var task = await service.PollWorkflowTaskQueueAsync(new PollWorkflowTaskQueueRequest
        {
            Namespace = _harness.Client.Options.Namespace,
            TaskQueue = new() { Name = _harness.TaskQueue },
            Identity = "failing-worker",
        });
        var message = Assert.Single(task.Messages);
        Assert.Equal(updateId, message.ProtocolInstanceId);
        Assert.Equal(task.StartedEventId - 1, message.EventId);
        Assert.Equal("Add", message.Body.Unpack<Temporalio.Api.Update.V1.Request>().Input.Name);
        await service.RespondWorkflowTaskFailedAsync(new RespondWorkflowTaskFailedRequest
        {
            Namespace = _harness.Client.Options.Namespace,
            TaskToken = task.TaskToken,
            Cause = WorkflowTaskFailedCause.WorkflowWorkerUnhandledFailure,
            Failure = new() { Message = "worker crashed" },
            Identity = "failing-worker",
        });
        Assert.Equal(UpdateWorkflowExecutionLifecycleStage.Admitted, (await PollStageAsync(handle.Id, updateId)).Stage);

        await RunAsync(async () =>
        {
            Assert.Equal(14, await update);
            await handle.SignalAsync(wf => wf.FinishAsync());
            return await handle.GetResultAsync();
        });

        var types = await _harness.EventTypesAsync(handle);
        Assert.Contains(EventType.WorkflowTaskFailed, types);
        Assert.Single(types, EventType.WorkflowExecutionUpdateAccepted);
        await _harness.AssertReplaysAsync(handle, Replay);
    }

    [Fact]
    public async Task Workflow_may_not_close_over_an_update_admitted_during_its_last_task()
    {
        var handle = await StartCounterAsync();
        var service = _harness.Client.Connection.WorkflowService;
        var task = await service.PollWorkflowTaskQueueAsync(new PollWorkflowTaskQueueRequest
        {
            Namespace = _harness.Client.Options.Namespace,
            TaskQueue = new() { Name = _harness.TaskQueue },
            Identity = "closing-worker",
        });
        Assert.Empty(task.Messages);

        // While that task runs an update comes in; the task then tries to complete the workflow.
        var updateId = ServerHarness.NewId("upd");
        var update = Task.Run(() => handle.ExecuteUpdateAsync(wf => wf.AddAsync(6), new(updateId)));
        await WaitForStageAsync(handle.Id, updateId, UpdateWorkflowExecutionLifecycleStage.Admitted);
        var completion = new RespondWorkflowTaskCompletedRequest
        {
            Namespace = _harness.Client.Options.Namespace,
            TaskToken = task.TaskToken,
            Identity = "closing-worker",
        };
        completion.Commands.Add(new Temporalio.Api.Command.V1.Command
        {
            CommandType = CommandType.CompleteWorkflowExecution,
            CompleteWorkflowExecutionCommandAttributes = new(),
        });
        // As a task that missed a signal: the real server's INVALID_ARGUMENT "UnhandledCommand", the run stays open.
        var rejected = await Assert.ThrowsAsync<RpcException>(() => service.RespondWorkflowTaskCompletedAsync(completion));
        Assert.Equal(RpcException.StatusCode.InvalidArgument, rejected.Code);
        Assert.Equal("UnhandledCommand", rejected.Message);
        Assert.Equal(WorkflowExecutionStatus.Running, (WorkflowExecutionStatus)(await handle.DescribeAsync()).Status);

        await RunAsync(async () =>
        {
            Assert.Equal(16, await update);
            await handle.SignalAsync(wf => wf.FinishAsync());
            return await handle.GetResultAsync();
        });

        var failed = Assert.Single((await _harness.HistoryAsync(handle)).Events, e => e.EventType == EventType.WorkflowTaskFailed);
        Assert.Equal(WorkflowTaskFailedCause.UnhandledCommand, failed.WorkflowTaskFailedEventAttributes.Cause);
        await _harness.AssertReplaysAsync(handle, Replay);
    }

    [Fact]
    public async Task Accepted_update_completes_after_the_worker_that_accepted_it_is_gone()
    {
        var updateId = ServerHarness.NewId("upd");
        var handle = await StartCounterAsync();
        await RunAsync(async () =>
        {
            var update = await handle.StartUpdateAsync(wf => wf.WaitForReleaseAsync(), new(updateId, WorkflowUpdateStage.Accepted));
            Assert.Equal(UpdateWorkflowExecutionLifecycleStage.Accepted, (await PollStageAsync(handle.Id, updateId)).Stage);
            return update;
        });

        // The worker is gone with the handler still waiting; the release comes in while no worker polls.
        await handle.SignalAsync(wf => wf.ReleaseAsync());
        await RunAsync(async () =>
        {
            // The new worker replays Accepted without Completed and runs the handler again.
            Assert.Equal("released at 10", await handle.GetUpdateHandle<string>(updateId).GetResultAsync());
            await handle.SignalAsync(wf => wf.FinishAsync());
            return await handle.GetResultAsync();
        });

        Assert.Equal(
            [EventType.WorkflowExecutionUpdateAccepted, EventType.WorkflowExecutionUpdateCompleted],
            (await _harness.EventTypesAsync(handle)).Where(IsUpdateEvent));
        await _harness.AssertReplaysAsync(handle, Replay);
    }

    [Fact]
    public async Task Update_with_start_starts_a_new_workflow_then_updates_the_running_one()
    {
        var id = ServerHarness.NewId("wf");
        WithStartWorkflowOperation<WorkflowHandle<CounterUpdateWorkflow, int>> StartOperation(WorkflowIdConflictPolicy policy) =>
            WithStartWorkflowOperation.Create(
                (CounterUpdateWorkflow wf) => wf.RunAsync(10),
                new(id, _harness.TaskQueue) { IdConflictPolicy = policy });

        var handle = await RunAsync(async () =>
        {
            var first = StartOperation(WorkflowIdConflictPolicy.Fail);
            Assert.Equal(15, await _harness.Client.ExecuteUpdateWithStartWorkflowAsync((CounterUpdateWorkflow wf) => wf.AddAsync(5), new(first)));
            var handle = await first.GetHandleAsync();

            var second = StartOperation(WorkflowIdConflictPolicy.UseExisting);
            var update = await _harness.Client.StartUpdateWithStartWorkflowAsync(
                (CounterUpdateWorkflow wf) => wf.AddAsync(2), new(second, WorkflowUpdateStage.Accepted));
            Assert.Equal(17, await update.GetResultAsync());
            Assert.Equal(handle.ResultRunId, (await second.GetHandleAsync()).ResultRunId);

            var third = StartOperation(WorkflowIdConflictPolicy.Fail);
            await Assert.ThrowsAsync<WorkflowAlreadyStartedException>(() =>
                _harness.Client.ExecuteUpdateWithStartWorkflowAsync((CounterUpdateWorkflow wf) => wf.AddAsync(1), new(third)));
            await Assert.ThrowsAsync<WorkflowAlreadyStartedException>(() => third.GetHandleAsync());

            await handle.SignalAsync(wf => wf.FinishAsync());
            Assert.Equal(17, await handle.GetResultAsync());
            return handle;
        });

        var types = await _harness.EventTypesAsync(handle);
        // The update went with the first workflow task of the new run.
        Assert.Equal(
            [
                EventType.WorkflowExecutionStarted, EventType.WorkflowTaskScheduled, EventType.WorkflowTaskStarted,
                EventType.WorkflowTaskCompleted, EventType.WorkflowExecutionUpdateAccepted, EventType.WorkflowExecutionUpdateCompleted,
            ],
            types.Take(6));
        Assert.Equal(4, types.Count(IsUpdateEvent));
        await _harness.AssertReplaysAsync(handle, Replay);
    }

    [Fact]
    public async Task Update_and_signal_that_arrive_together_are_handled_in_one_workflow_task_in_order()
    {
        var handle = await StartCounterAsync();
        await handle.SignalAsync(wf => wf.NoteAsync("signalled"));
        var updateId = ServerHarness.NewId("upd");
        var update = Task.Run(() => handle.ExecuteUpdateAsync(wf => wf.NotesAsync(), new(updateId)));
        await WaitForStageAsync(handle.Id, updateId, UpdateWorkflowExecutionLifecycleStage.Admitted);

        await RunAsync(async () =>
        {
            Assert.Equal("signalled", await update);
            await handle.SignalAsync(wf => wf.FinishAsync());
            return await handle.GetResultAsync();
        });

        var types = await _harness.EventTypesAsync(handle);
        Assert.Equal(
            [
                EventType.WorkflowExecutionStarted, EventType.WorkflowTaskScheduled, EventType.WorkflowExecutionSignaled,
                EventType.WorkflowTaskStarted, EventType.WorkflowTaskCompleted, EventType.WorkflowExecutionUpdateAccepted,
                EventType.WorkflowExecutionUpdateCompleted,
            ],
            types.Take(7));
        await _harness.AssertReplaysAsync(handle, Replay);
    }

    [Fact]
    public async Task Update_and_timer_that_fire_together_are_handled_in_one_workflow_task()
    {
        // Real time (dev server): a time-skipping clock stops at the fired timer's workflow task while no worker polls.
        using var harness = new ServerHarness(local.Environment, local.Logs);
        var handle = await harness.WithWorkerAsync(Workflows, async () =>
        {
            var handle = await harness.Client.StartWorkflowAsync((TimerUpdateWorkflow wf) => wf.RunAsync(TimeSpan.FromSeconds(1)), harness.Options());
            await ServerHarness.WaitUntilAsync(async () => (await harness.EventTypesAsync(handle)).Contains(EventType.TimerStarted));
            return handle;
        });

        // No worker: the timer fires and the update is admitted; both go to the worker in the next task.
        await ServerHarness.WaitUntilAsync(async () => (await harness.EventTypesAsync(handle)).Contains(EventType.TimerFired));
        var updateId = ServerHarness.NewId("upd");
        var update = Task.Run(() => handle.ExecuteUpdateAsync(wf => wf.SeeAsync("update"), new(updateId)));
        await WaitForStageAsync(harness, handle.Id, updateId, UpdateWorkflowExecutionLifecycleStage.Admitted);

        var result = await harness.WithWorkerAsync(Workflows, async () =>
        {
            await update;
            await handle.ExecuteUpdateAsync(wf => wf.FinishAsync());
            return await handle.GetResultAsync();
        });

        Assert.Equal(["timer", "update"], result.Split(',').Order());
        var types = (await harness.EventTypesAsync(handle)).ToList();
        var fired = types.IndexOf(EventType.TimerFired);
        Assert.Equal(
            [
                EventType.TimerFired, EventType.WorkflowTaskScheduled, EventType.WorkflowTaskStarted, EventType.WorkflowTaskCompleted,
                EventType.WorkflowExecutionUpdateAccepted, EventType.WorkflowExecutionUpdateCompleted,
            ],
            types.Skip(fired).Take(6));
        await harness.AssertReplaysAsync(handle, Replay);
    }

    [Fact]
    public async Task Updates_run_in_real_time_on_the_dev_server()
    {
        using var harness = new ServerHarness(local.Environment, local.Logs);
        var handle = await harness.WithWorkerAsync(Workflows, async () =>
        {
            var handle = await harness.Client.StartWorkflowAsync((CounterUpdateWorkflow wf) => wf.RunAsync(1), harness.Options());
            Assert.Equal(3, await handle.ExecuteUpdateAsync(wf => wf.AddAsync(2)));
            var rejected = await Assert.ThrowsAsync<WorkflowUpdateFailedException>(() => handle.ExecuteUpdateAsync(wf => wf.AddAsync(-2)));
            Assert.IsType<ApplicationFailureException>(rejected.InnerException);
            var update = await handle.StartUpdateAsync(wf => wf.WaitForReleaseAsync(), new(WorkflowUpdateStage.Accepted));
            await handle.SignalAsync(wf => wf.ReleaseAsync());
            Assert.Equal("released at 3", await update.GetResultAsync());
            await handle.SignalAsync(wf => wf.FinishAsync());
            Assert.Equal(3, await handle.GetResultAsync());
            return handle;
        });

        Assert.Equal(4, (await harness.EventTypesAsync(handle)).Count(IsUpdateEvent));
        await harness.AssertReplaysAsync(handle, Replay);
    }

    private static bool IsUpdateEvent(EventType type) =>
        type is EventType.WorkflowExecutionUpdateAccepted or EventType.WorkflowExecutionUpdateCompleted
            or EventType.WorkflowExecutionUpdateAdmitted or EventType.WorkflowExecutionUpdateRejected;

    private Task<PollWorkflowExecutionUpdateResponse> PollStageAsync(string workflowId, string updateId) =>
        PollStageAsync(_harness, workflowId, updateId);

    private static async Task<PollWorkflowExecutionUpdateResponse> PollStageAsync(
        ServerHarness harness, string workflowId, string updateId, UpdateWorkflowExecutionLifecycleStage waitFor = default) =>
        await harness.Client.Connection.WorkflowService.PollWorkflowExecutionUpdateAsync(new PollWorkflowExecutionUpdateRequest
        {
            Namespace = harness.Client.Options.Namespace,
            UpdateRef = new() { WorkflowExecution = new() { WorkflowId = workflowId }, UpdateId = updateId },
            Identity = "update-tests",
            WaitPolicy = waitFor == default ? null : new() { LifecycleStage = waitFor },
        });

    private Task<DescribeWorkflowExecutionResponse> DescribeRawAsync(string workflowId) =>
        _harness.Client.Connection.WorkflowService.DescribeWorkflowExecutionAsync(new DescribeWorkflowExecutionRequest
        {
            Namespace = _harness.Client.Options.Namespace,
            Execution = new() { WorkflowId = workflowId },
        });

    private Task WaitForStageAsync(string workflowId, string updateId, UpdateWorkflowExecutionLifecycleStage stage) =>
        WaitForStageAsync(_harness, workflowId, updateId, stage);

    private static async Task WaitForStageAsync(ServerHarness harness, string workflowId, string updateId, UpdateWorkflowExecutionLifecycleStage stage)
    {
        for (var i = 0; i < 200; i++)
        {
            try
            {
                if ((await PollStageAsync(harness, workflowId, updateId)).Stage == stage)
                {
                    return;
                }
            }
            catch (RpcException ex) when (ex.Code == RpcException.StatusCode.NotFound)
            {
            }

            await Task.Delay(25);
        }

        Assert.Fail($"update {updateId} never reached {stage}");
    }
}
