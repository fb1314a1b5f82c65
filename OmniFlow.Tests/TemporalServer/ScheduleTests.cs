using Google.Protobuf.WellKnownTypes;
using OmniFlow.Tests.TemporalServer.Infrastructure;
using OmniFlow.Tests.TemporalServer.Workflows;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.WorkflowService.V1;
using Temporalio.Client;
using Temporalio.Client.Schedules;
using Temporalio.Common;
using Temporalio.Exceptions;

namespace OmniFlow.Tests.TemporalServer;

/// <summary>
/// Schedules as a real server runs them, driven through the SDK's schedule client under time skipping: the
/// environment's DelayAsync moves the server clock over hours, and each schedule time on the way starts its workflow.
/// </summary>
[Collection(TemporalServerCollection.Name)]
public sealed class ScheduleTests(TimeSkippingServerFixture fixture) : IDisposable
{
    private static readonly SearchAttributeKey<DateTimeOffset> ScheduledStartTime = SearchAttributeKey.CreateDateTimeOffset("TemporalScheduledStartTime");
    private static readonly SearchAttributeKey<string> ScheduledById = SearchAttributeKey.CreateKeyword("TemporalScheduledById");

    private readonly ServerHarness _harness = new(fixture.Environment, fixture.Logs);

    public void Dispose() => _harness.Dispose();

    private ITemporalClient Client => _harness.Client;

    [Fact]
    public async Task An_interval_schedule_starts_each_workflow_at_its_nominal_time_with_its_id_attributes_and_the_last_result()
    {
        var scheduleId = ServerHarness.NewId("sched");
        var workflowId = ServerHarness.NewId("scheduled");
        var t0 = await NowAsync();
        var (starts, description) = await WithScheduleAsync(scheduleId, Hourly(workflowId, new ScheduledPlan(5), offsetMinutes: 7), async handle =>
        {
            await DelayUntilAsync(NextHour(t0, 7) + TimeSpan.FromHours(2) + TimeSpan.FromMinutes(30));
            return (await StartedAsync(scheduleId), await handle.DescribeAsync());
        });

        var first = NextHour(t0, 7);
        Assert.Equal([first, first.AddHours(1), first.AddHours(2)], starts.Select(s => s.Nominal).ToList());
        for (var i = 0; i < starts.Count; i++)
        {
            var started = starts[i];
            Assert.Equal($"{workflowId}-{started.Nominal:yyyy-MM-dd'T'HH:mm:ss'Z'}", started.Execution.Id);
            Assert.Equal(scheduleId, started.Execution.TypedSearchAttributes.Get(ScheduledById));
            Assert.Equal("hourly", await started.Execution.Memo["purpose"].ToValueAsync<string>());
            var tick = await Client.GetWorkflowHandle(started.Execution.Id).GetResultAsync<ScheduledTick>();
            Assert.Equal(new ScheduledTick(i + 1, AfterFailure: false), tick);
            var history = await Client.GetWorkflowHandle(started.Execution.Id).FetchHistoryAsync();
            var startedEvent = history.Events.First().WorkflowExecutionStartedEventAttributes;
            AssertAbout(started.Nominal, history.Events.First().EventTime.ToDateTime());
            Assert.Equal($"temporal-scheduler-default-{scheduleId}", startedEvent.Identity);
            Assert.Equal(i == 0, startedEvent.LastCompletionResult is null);
            await _harness.AssertReplaysAsync(Client.GetWorkflowHandle(started.Execution.Id), o => o.AddWorkflow<ScheduledCounterWorkflow>());
        }

        Assert.Equal(3, description.Info.NumActions);
        Assert.Empty(description.Info.RunningActions);
        Assert.Equal(starts.Select(s => s.Execution.Id), description.Info.RecentActions.Select(a => ((ScheduleActionExecutionStartWorkflow)a.Action).WorkflowId));
        Assert.Equal(starts.Select(s => s.Nominal), description.Info.RecentActions.Select(a => new DateTimeOffset(a.ScheduledAt, TimeSpan.Zero)));
        Assert.Equal(Enumerable.Range(3, 10).Select(h => first.AddHours(h)), description.Info.NextActionTimes.Select(t => new DateTimeOffset(t, TimeSpan.Zero)));
        Assert.Equal(new ScheduleIntervalSpec(TimeSpan.FromHours(1), TimeSpan.FromMinutes(7)), Assert.Single(description.Schedule.Spec.Intervals));
        Assert.Equal(ScheduleOverlapPolicy.Skip, description.Schedule.Policy.Overlap);
        Assert.Equal(TimeSpan.FromDays(365), description.Schedule.Policy.CatchupWindow);
        Assert.InRange(new DateTimeOffset(description.Info.CreatedAt, TimeSpan.Zero), t0 - TimeSpan.FromSeconds(5), t0 + TimeSpan.FromSeconds(5));

        var gone = await Assert.ThrowsAsync<RpcException>(() => Client.GetScheduleHandle(scheduleId).DescribeAsync());
        Assert.Equal(RpcException.StatusCode.NotFound, gone.Code);
    }

    [Fact]
    public async Task Cron_and_calendar_specs_become_structured_calendars_and_match_their_times_in_their_time_zone()
    {
        var scheduleId = ServerHarness.NewId("sched");
        var spec = new ScheduleSpec
        {
            CronExpressions = ["30 */6 * * *"],
            Calendars = [new ScheduleCalendarSpec { Hour = [new ScheduleRange(9)], Minute = [new ScheduleRange(0)], DayOfWeek = [new ScheduleRange(1, 5)] }],
            Skip = [new ScheduleCalendarSpec { Hour = [new ScheduleRange(12)], Minute = [new ScheduleRange(30)], DayOfWeek = [new ScheduleRange(0, 6)] }],
            TimeZoneName = "America/New_York",
            StartAt = new DateTime(2030, 1, 1, 0, 0, 0, DateTimeKind.Utc),
            EndAt = new DateTime(2030, 1, 8, 0, 0, 0, DateTimeKind.Utc),
        };
        var schedule = new Schedule(ScheduleActionStartWorkflow.Create((ScheduledCounterWorkflow wf) => wf.RunAsync(new ScheduledPlan(0)), _harness.Options()), spec);
        var handle = await Client.CreateScheduleAsync(scheduleId, schedule);
        try
        {
            var description = await handle.DescribeAsync();
            Assert.Empty(description.Schedule.Spec.CronExpressions);
            Assert.Equal(2, description.Schedule.Spec.Calendars.Count);
            var cron = description.Schedule.Spec.Calendars.Last();
            Assert.Equal([new ScheduleRange(30)], cron.Minute);
            Assert.Equal([new ScheduleRange(0, 23, 6)], cron.Hour);
            Assert.Equal("America/New_York", description.Schedule.Spec.TimeZoneName);

            var times = await Client.WorkflowService.ListScheduleMatchingTimesAsync(new ListScheduleMatchingTimesRequest
            {
                Namespace = Client.Options.Namespace,
                ScheduleId = scheduleId,
                StartTime = Timestamp.FromDateTime(new DateTime(2029, 12, 31, 0, 0, 0, DateTimeKind.Utc)),
                EndTime = Timestamp.FromDateTime(new DateTime(2030, 1, 3, 0, 0, 0, DateTimeKind.Utc)),
            });
            var ny = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");
            var expected = new List<DateTime>();
            for (var local = new DateTime(2029, 12, 31, 0, 0, 0); local < new DateTime(2030, 1, 3, 0, 0, 0); local = local.AddMinutes(30))
            {
                var utc = TimeZoneInfo.ConvertTimeToUtc(local, ny);
                var cronTime = local.Minute == 30 && local.Hour % 6 == 0 && local.Hour != 12;
                var calendarTime = local is { Hour: 9, Minute: 0 } && local.DayOfWeek is >= DayOfWeek.Monday and <= DayOfWeek.Friday;
                if ((cronTime || calendarTime) && utc >= spec.StartAt && utc <= new DateTime(2030, 1, 3, 0, 0, 0, DateTimeKind.Utc))
                {
                    expected.Add(utc);
                }
            }

            Assert.Equal(expected, times.StartTime.Select(t => t.ToDateTime()).ToList());
            Assert.Contains(new DateTime(2030, 1, 1, 14, 0, 0, DateTimeKind.Utc), expected);
        }
        finally
        {
            await handle.DeleteAsync();
        }
    }

    [Theory]
    [InlineData(ScheduleOverlapPolicy.Skip, 2, 2)]
    [InlineData(ScheduleOverlapPolicy.AllowAll, 4, 0)]
    [InlineData(ScheduleOverlapPolicy.BufferOne, 3, 1)]
    public async Task Overlap_policies_decide_what_happens_to_times_that_come_while_a_long_run_is_running(ScheduleOverlapPolicy policy, int actions, int skipped)
    {
        // Runs last 100 minutes; hourly times N1..N4 come and the clock stops at N1 + 3h30m.
        var scheduleId = ServerHarness.NewId("sched");
        var workflowId = ServerHarness.NewId("scheduled");
        var t0 = await NowAsync();
        var schedule = Hourly(workflowId, new ScheduledPlan(100)) with { Policy = new SchedulePolicy { Overlap = policy } };
        var first = NextHour(t0, 0);
        var (starts, description) = await WithScheduleAsync(scheduleId, schedule, async handle =>
        {
            await DelayUntilAsync(first + TimeSpan.FromMinutes(210));
            return (await StartedAsync(scheduleId), await handle.DescribeAsync());
        });

        Assert.Equal(actions, description.Info.NumActions);
        Assert.Equal(skipped, description.Info.NumActionsSkippedOverlap);
        Assert.Equal(actions, starts.Count);
        var nominal = starts.Select(s => s.Nominal).ToList();
        switch (policy)
        {
            case ScheduleOverlapPolicy.Skip:
                Assert.Equal([first, first.AddHours(2)], nominal);
                break;
            case ScheduleOverlapPolicy.AllowAll:
                Assert.Equal([first, first.AddHours(1), first.AddHours(2), first.AddHours(3)], nominal);
                Assert.Empty(description.Info.RunningActions);
                break;
            default:
                // The buffered time starts when the run before it closes, under its own nominal time.
                Assert.Equal([first, first.AddHours(1), first.AddHours(2)], nominal);
                var second = await Client.GetWorkflowHandle(starts[1].Execution.Id).DescribeAsync();
                AssertAbout(first + TimeSpan.FromMinutes(100), second.StartTime);
                Assert.Single(description.Info.RunningActions);
                break;
        }
    }

    [Fact]
    public async Task Pause_keeps_times_from_acting_trigger_acts_now_and_unpause_resumes_with_notes()
    {
        var scheduleId = ServerHarness.NewId("sched");
        var workflowId = ServerHarness.NewId("scheduled");
        var t0 = await NowAsync();
        var schedule = Hourly(workflowId, new ScheduledPlan(0)) with { State = new ScheduleState { Paused = true, Note = "made paused" } };
        await WithScheduleAsync(scheduleId, schedule, async handle =>
        {
            var paused = await handle.DescribeAsync();
            Assert.True(paused.Schedule.State.Paused);
            Assert.Equal("made paused", paused.Schedule.State.Note);
            await DelayUntilAsync(t0 + TimeSpan.FromHours(2));
            Assert.Empty(await StartedAsync(scheduleId));

            await handle.TriggerAsync();
            var triggered = Assert.Single(await StartedAsync(scheduleId));
            Assert.Equal(new ScheduledTick(1, false), await Client.GetWorkflowHandle(triggered.Execution.Id).GetResultAsync<ScheduledTick>());

            await handle.UnpauseAsync("back on");
            var unpaused = await handle.DescribeAsync();
            Assert.False(unpaused.Schedule.State.Paused);
            Assert.Equal("back on", unpaused.Schedule.State.Note);
            var resumeAt = NextHour(await NowAsync(), 0);
            await DelayUntilAsync(resumeAt + TimeSpan.FromMinutes(1));
            var starts = await StartedAsync(scheduleId);
            Assert.Equal(2, starts.Count);
            Assert.Equal(resumeAt, starts[^1].Nominal);
            Assert.Equal(new ScheduledTick(2, false), await Client.GetWorkflowHandle(starts[^1].Execution.Id).GetResultAsync<ScheduledTick>());

            await handle.PauseAsync("stop now");
            var stopped = await handle.DescribeAsync();
            Assert.True(stopped.Schedule.State.Paused);
            Assert.Equal("stop now", stopped.Schedule.State.Note);
            await DelayUntilAsync(resumeAt + TimeSpan.FromHours(3));
            Assert.Equal(2, (await StartedAsync(scheduleId)).Count);
            return true;
        });
    }

    [Fact]
    public async Task A_backfill_with_buffer_all_runs_every_past_time_one_after_another_in_order()
    {
        var scheduleId = ServerHarness.NewId("sched");
        var workflowId = ServerHarness.NewId("scheduled");
        var t0 = await NowAsync();
        var schedule = Hourly(workflowId, new ScheduledPlan(10)) with { State = new ScheduleState { Paused = true } };
        var from = NextHour(t0, 0).AddHours(-6);
        await WithScheduleAsync(scheduleId, schedule, async handle =>
        {
            await handle.BackfillAsync([new ScheduleBackfill(from.UtcDateTime, from.AddHours(4).UtcDateTime, ScheduleOverlapPolicy.BufferAll)]);
            await _harness.Environment.DelayAsync(TimeSpan.FromMinutes(55));
            var starts = await StartedAsync(scheduleId);
            Assert.Equal(Enumerable.Range(0, 5).Select(h => from.AddHours(h)), starts.Select(s => s.Nominal));
            for (var i = 0; i < starts.Count; i++)
            {
                var tick = await Client.GetWorkflowHandle(starts[i].Execution.Id).GetResultAsync<ScheduledTick>();
                Assert.Equal(i + 1, tick.Count);
                if (i > 0)
                {
                    var previous = await Client.GetWorkflowHandle(starts[i - 1].Execution.Id).DescribeAsync();
                    var current = await Client.GetWorkflowHandle(starts[i].Execution.Id).DescribeAsync();
                    AssertAbout(new DateTimeOffset(previous.CloseTime!.Value, TimeSpan.Zero), current.StartTime);
                }
            }

            var description = await handle.DescribeAsync();
            Assert.Equal(5, description.Info.NumActions);
            Assert.Equal(0, description.Info.NumActionsSkippedOverlap);
            return true;
        });
    }

    [Fact]
    public async Task Limited_actions_stop_the_schedule_when_none_remain()
    {
        var scheduleId = ServerHarness.NewId("sched");
        var t0 = await NowAsync();
        var schedule = Hourly(ServerHarness.NewId("scheduled"), new ScheduledPlan(0)) with
        {
            State = new ScheduleState { LimitedActions = true, RemainingActions = 2 },
        };
        await WithScheduleAsync(scheduleId, schedule, async handle =>
        {
            Assert.Equal(2, (await handle.DescribeAsync()).Info.NextActionTimes.Count);
            await DelayUntilAsync(NextHour(t0, 0) + TimeSpan.FromHours(4));
            Assert.Equal(2, (await StartedAsync(scheduleId)).Count);
            var description = await handle.DescribeAsync();
            Assert.Equal(0, description.Schedule.State.RemainingActions);
            Assert.Empty(description.Info.NextActionTimes);
            return true;
        });
    }

    [Fact]
    public async Task Pause_on_failure_pauses_the_schedule_with_the_failure_in_its_notes()
    {
        var scheduleId = ServerHarness.NewId("sched");
        var t0 = await NowAsync();
        var schedule = Hourly(ServerHarness.NewId("scheduled"), new ScheduledPlan(0, Fail: true)) with
        {
            Policy = new SchedulePolicy { PauseOnFailure = true },
        };
        await WithScheduleAsync(scheduleId, schedule, async handle =>
        {
            await DelayUntilAsync(NextHour(t0, 0) + TimeSpan.FromHours(3));
            var failed = Assert.Single(await StartedAsync(scheduleId));
            Assert.Equal(WorkflowExecutionStatus.Failed, failed.Execution.Status);
            var description = await handle.DescribeAsync();
            Assert.True(description.Schedule.State.Paused);
            Assert.Equal($"paused due to workflow failure: {failed.Execution.Id}: scheduled run failed", description.Schedule.State.Note);
            Assert.Equal(WorkflowExecutionStatus.Failed, (await RawDescribeAsync(scheduleId)).Info.RecentActions[0].StartWorkflowStatus);
            return true;
        });
    }

    [Fact]
    public async Task Update_replaces_the_schedule_and_a_stale_conflict_token_is_refused()
    {
        var scheduleId = ServerHarness.NewId("sched");
        var t0 = await NowAsync();
        await WithScheduleAsync(scheduleId, Hourly(ServerHarness.NewId("scheduled"), new ScheduledPlan(0)), async handle =>
        {
            var before = await RawDescribeAsync(scheduleId);
            await handle.UpdateAsync(input => new ScheduleUpdate(input.Description.Schedule with
            {
                Spec = new ScheduleSpec { Intervals = [new ScheduleIntervalSpec(TimeSpan.FromHours(2))] },
                State = new ScheduleState { Note = "every two hours" },
            }));
            var after = await handle.DescribeAsync();
            Assert.Equal(TimeSpan.FromHours(2), Assert.Single(after.Schedule.Spec.Intervals).Every);
            Assert.Equal("every two hours", after.Schedule.State.Note);
            Assert.NotNull(after.Info.LastUpdatedAt);
            Assert.All(after.Info.NextActionTimes, t => Assert.Equal(0, t.Hour % 2));

            var stale = await Assert.ThrowsAsync<RpcException>(() => Client.WorkflowService.UpdateScheduleAsync(new UpdateScheduleRequest
            {
                Namespace = Client.Options.Namespace,
                ScheduleId = scheduleId,
                Schedule = before.Schedule,
                ConflictToken = before.ConflictToken,
                RequestId = Guid.NewGuid().ToString(),
            }));
            Assert.Equal(RpcException.StatusCode.FailedPrecondition, stale.Code);
            Assert.Contains("conflict token", stale.Message);
            Assert.Equal(TimeSpan.FromHours(2), Assert.Single((await handle.DescribeAsync()).Schedule.Spec.Intervals).Every);
            return true;
        });
    }

    [Fact]
    public async Task List_with_a_query_shows_the_schedules_whose_search_attributes_match_as_updates_change_them()
    {
        var tier = SearchAttributeKey.CreateKeyword("OmniScheduleTier");
        var register = new Temporalio.Api.OperatorService.V1.AddSearchAttributesRequest { Namespace = Client.Options.Namespace };
        register.SearchAttributes[tier.Name] = IndexedValueType.Keyword;
        await Client.Connection.OperatorService.AddSearchAttributesAsync(register);
        var gold = new SearchAttributeCollection.Builder().Set(tier, "gold").ToSearchAttributeCollection();
        var schedule = Hourly(ServerHarness.NewId("scheduled"), new ScheduledPlan(0)) with { State = new ScheduleState { Paused = true } };
        var first = await Client.CreateScheduleAsync(ServerHarness.NewId("sched"), schedule, new() { TypedSearchAttributes = gold });
        var second = await Client.CreateScheduleAsync(ServerHarness.NewId("sched"), schedule);
        try
        {
            Assert.Equal([first.Id], await ListedAsync($"{tier.Name} = 'gold'"));
            await second.UpdateAsync(input => new(input.Description.Schedule) { TypedSearchAttributes = gold });
            Assert.Equal([second.Id, first.Id], await ListedAsync($"{tier.Name} = 'gold'"));
            await first.UpdateAsync(input => new(input.Description.Schedule) { TypedSearchAttributes = SearchAttributeCollection.Empty });
            Assert.Equal([second.Id], await ListedAsync($"{tier.Name} = 'gold'"));
            Assert.Equal([second.Id, first.Id], await ListedAsync("TemporalSchedulePaused = true"));
            await Assert.ThrowsAsync<RpcException>(() => ListedAsync("NoSuchAttribute = 'x'"));
        }
        finally
        {
            await first.DeleteAsync();
            await second.DeleteAsync();
        }

        async Task<List<string>> ListedAsync(string query)
        {
            var ours = new List<string>();
            await foreach (var entry in Client.ListSchedulesAsync(new() { Query = query }))
            {
                if (entry.Id == first.Id || entry.Id == second.Id)
                {
                    ours.Add(entry.Id);
                }
            }

            return ours;
        }
    }

    [Fact]
    public async Task List_queries_by_ScheduleId_and_refuses_other_system_attributes_and_ORDER_BY_as_the_real_server()
    {
        var prefix = ServerHarness.NewId("by-id");
        var schedule = Hourly(ServerHarness.NewId("scheduled"), new ScheduledPlan(0)) with { State = new ScheduleState { Paused = true } };
        var first = await Client.CreateScheduleAsync($"{prefix}-a", schedule);
        var second = await Client.CreateScheduleAsync($"{prefix}-b", schedule);
        try
        {
            Assert.Equal([first.Id], await ListedAsync($"ScheduleId = '{first.Id}'"));
            Assert.Equal([second.Id, first.Id], await ListedAsync($"ScheduleId STARTS_WITH '{prefix}'"));
            Assert.Equal([second.Id], await ListedAsync($"ScheduleId IN ('{second.Id}', 'none') AND TemporalSchedulePaused = true"));
            Assert.Equal([first.Id], await ListedAsync($"ScheduleId STARTS_WITH '{prefix}' AND ScheduleId != '{second.Id}'"));

            foreach (var (query, refusal) in new[]
            {
                ("WorkflowType = 'ScheduledCounterWorkflow'", "invalid query filter for schedules: cannot filter on \"WorkflowType\""),
                ("TemporalScheduledById = 'x'", "invalid query filter for schedules: cannot filter on \"TemporalScheduledById\""),
                ($"ScheduleId = '{first.Id}' ORDER BY ScheduleId", "ORDER BY"),
            })
            {
                var error = await Assert.ThrowsAsync<RpcException>(() => ListedAsync(query));
                Assert.Equal(RpcException.StatusCode.InvalidArgument, error.Code);
                Assert.Contains(refusal, error.Message);
            }
        }
        finally
        {
            await first.DeleteAsync();
            await second.DeleteAsync();
        }

        async Task<List<string>> ListedAsync(string query)
        {
            var listed = new List<string>();
            await foreach (var entry in Client.ListSchedulesAsync(new() { Query = query }))
            {
                listed.Add(entry.Id);
            }

            return listed;
        }
    }

    [Fact]
    public async Task List_shows_each_schedule_newest_first_with_its_state_and_a_second_create_of_an_id_is_refused()
    {
        var ids = new[] { ServerHarness.NewId("sched"), ServerHarness.NewId("sched") };
        var schedule = Hourly(ServerHarness.NewId("scheduled"), new ScheduledPlan(0)) with { State = new ScheduleState { Paused = true, Note = "listed" } };
        var handles = new List<ScheduleHandle>();
        try
        {
            foreach (var id in ids)
            {
                handles.Add(await Client.CreateScheduleAsync(id, schedule));
            }

            await Assert.ThrowsAsync<ScheduleAlreadyRunningException>(() => Client.CreateScheduleAsync(ids[0], schedule));
            var listed = new List<ScheduleListDescription>();
            await foreach (var entry in Client.ListSchedulesAsync())
            {
                listed.Add(entry);
            }

            var ours = listed.Where(l => ids.Contains(l.Id)).ToList();
            Assert.Equal([ids[1], ids[0]], ours.Select(l => l.Id));
            Assert.All(ours, l =>
            {
                Assert.True(l.Schedule!.State.Paused);
                Assert.Equal("listed", l.Schedule.State.Note);
                Assert.Equal("ScheduledCounterWorkflow", ((ScheduleListActionStartWorkflow)l.Schedule.Action).Workflow);
                Assert.Equal(5, l.Info!.NextActionTimes.Count);
            });
        }
        finally
        {
            foreach (var handle in handles)
            {
                await handle.DeleteAsync();
            }
        }

        await foreach (var entry in Client.ListSchedulesAsync())
        {
            Assert.DoesNotContain(entry.Id, ids);
        }
    }

    [Fact]
    public async Task Terminate_other_ends_the_running_workflow_and_starts_the_next_time_in_its_place()
    {
        var scheduleId = ServerHarness.NewId("sched");
        var t0 = await NowAsync();
        var schedule = Hourly(ServerHarness.NewId("scheduled"), new ScheduledPlan(100)) with
        {
            Policy = new SchedulePolicy { Overlap = ScheduleOverlapPolicy.TerminateOther },
        };
        var first = NextHour(t0, 0);
        await WithScheduleAsync(scheduleId, schedule, async handle =>
        {
            await DelayUntilAsync(first + TimeSpan.FromMinutes(70));
            var starts = await StartedAsync(scheduleId);
            Assert.Equal([first, first.AddHours(1)], starts.Select(s => s.Nominal).ToList());
            Assert.Equal(WorkflowExecutionStatus.Terminated, starts[0].Execution.Status);
            Assert.Equal(WorkflowExecutionStatus.Running, starts[1].Execution.Status);
            var description = await handle.DescribeAsync();
            Assert.Equal(starts[1].Execution.Id, ((ScheduleActionExecutionStartWorkflow)Assert.Single(description.Info.RunningActions)).WorkflowId);
            await _harness.AssertReplaysAsync(Client.GetWorkflowHandle(starts[0].Execution.Id), o => o.AddWorkflow<ScheduledCounterWorkflow>());
            return true;
        });
    }

    [Fact]
    public async Task A_failed_run_hands_its_failure_to_the_next_run_and_keeps_the_last_completion_result()
    {
        var scheduleId = ServerHarness.NewId("sched");
        var workflowId = ServerHarness.NewId("scheduled");
        var schedule = Hourly(workflowId, new ScheduledPlan(0)) with { State = new ScheduleState { Paused = true } };
        await WithScheduleAsync(scheduleId, schedule, async handle =>
        {
            async Task<WorkflowHandle> TriggerAsync(int count)
            {
                await handle.TriggerAsync();
                var started = (await StartedAsync(scheduleId)).Last();
                Assert.Equal(count, (await StartedAsync(scheduleId)).Count);
                await _harness.Environment.DelayAsync(TimeSpan.FromMinutes(1));
                return Client.GetWorkflowHandle(started.Execution.Id);
            }

            async Task SetPlanAsync(ScheduledPlan plan) =>
                await handle.UpdateAsync(input => new ScheduleUpdate(input.Description.Schedule with
                {
                    Action = ScheduleActionStartWorkflow.Create((ScheduledCounterWorkflow wf) => wf.RunAsync(plan), new WorkflowOptions(workflowId, _harness.TaskQueue)),
                }));

            var succeeded = await TriggerAsync(1);
            Assert.Equal(new ScheduledTick(1, false), await succeeded.GetResultAsync<ScheduledTick>());
            await SetPlanAsync(new ScheduledPlan(0, Fail: true));
            var failed = await TriggerAsync(2);
            await Assert.ThrowsAsync<WorkflowFailedException>(() => failed.GetResultAsync<ScheduledTick>());
            await SetPlanAsync(new ScheduledPlan(0));
            var after = await TriggerAsync(3);
            Assert.Equal(new ScheduledTick(2, AfterFailure: true), await after.GetResultAsync<ScheduledTick>());
            var started = (await after.FetchHistoryAsync()).Events.First().WorkflowExecutionStartedEventAttributes;
            Assert.Equal("scheduled run failed", started.ContinuedFailure.Message);
            Assert.NotNull(started.LastCompletionResult);
            foreach (var run in new[] { succeeded, failed, after })
            {
                await _harness.AssertReplaysAsync(run, o => o.AddWorkflow<ScheduledCounterWorkflow>());
            }

            return true;
        });
    }

    [Fact]
    public async Task Invalid_specs_are_refused_with_the_real_servers_reasons()
    {
        async Task<string> RefusedAsync(ScheduleSpec spec)
        {
            var schedule = new Schedule(ScheduleActionStartWorkflow.Create((ScheduledCounterWorkflow wf) => wf.RunAsync(new ScheduledPlan(0)), _harness.Options()), spec);
            var refused = await Assert.ThrowsAsync<RpcException>(() => Client.CreateScheduleAsync(ServerHarness.NewId("sched"), schedule));
            Assert.Equal(RpcException.StatusCode.InvalidArgument, refused.Code);
            return refused.Message;
        }

        Assert.Contains("CronString does not have 5-7 fields", await RefusedAsync(new ScheduleSpec { CronExpressions = ["every day"] }));
        Assert.Contains("interval is too small", await RefusedAsync(new ScheduleSpec { Intervals = [new ScheduleIntervalSpec(TimeSpan.FromMilliseconds(10))] }));
        Assert.Contains("phase cannot be greater than Interval", await RefusedAsync(new ScheduleSpec { Intervals = [new ScheduleIntervalSpec(TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(2))] }));
        Assert.Contains("unknown time zone", await RefusedAsync(new ScheduleSpec { CronExpressions = ["0 * * * *"], TimeZoneName = "Mars/Olympus_Mons" }));
    }

    [Fact]
    public async Task Jitter_moves_each_time_within_its_bound_the_same_way_every_time()
    {
        var scheduleId = ServerHarness.NewId("sched");
        var spec = new ScheduleSpec { Intervals = [new ScheduleIntervalSpec(TimeSpan.FromHours(1))], Jitter = TimeSpan.FromMinutes(10) };
        var schedule = new Schedule(ScheduleActionStartWorkflow.Create((ScheduledCounterWorkflow wf) => wf.RunAsync(new ScheduledPlan(0)), _harness.Options()), spec)
        {
            State = new ScheduleState { Paused = true },
        };
        var handle = await Client.CreateScheduleAsync(scheduleId, schedule);
        try
        {
            var request = new ListScheduleMatchingTimesRequest
            {
                Namespace = Client.Options.Namespace,
                ScheduleId = scheduleId,
                StartTime = Timestamp.FromDateTime(new DateTime(2030, 1, 1, 0, 0, 0, DateTimeKind.Utc)),
                EndTime = Timestamp.FromDateTime(new DateTime(2030, 1, 2, 0, 0, 0, DateTimeKind.Utc)),
            };
            var times = (await Client.WorkflowService.ListScheduleMatchingTimesAsync(request)).StartTime.Select(t => t.ToDateTime()).ToList();
            // 01:00 to 23:00 jittered; midnight's jittered time falls after the end.
            Assert.Equal(23, times.Count);
            for (var i = 0; i < times.Count; i++)
            {
                Assert.InRange(times[i] - new DateTime(2030, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddHours(i + 1), TimeSpan.Zero, TimeSpan.FromMinutes(10));
            }

            Assert.Contains(times, t => t.Minute != 0 || t.Second != 0);
            var again = (await Client.WorkflowService.ListScheduleMatchingTimesAsync(request)).StartTime.Select(t => t.ToDateTime()).ToList();
            Assert.Equal(times, again);
        }
        finally
        {
            await handle.DeleteAsync();
        }
    }

    private Schedule Hourly(string workflowId, ScheduledPlan plan, int offsetMinutes = 0)
    {
        var options = new WorkflowOptions(workflowId, _harness.TaskQueue) { Memo = new Dictionary<string, object> { ["purpose"] = "hourly" } };
        var interval = new ScheduleIntervalSpec(TimeSpan.FromHours(1), offsetMinutes > 0 ? TimeSpan.FromMinutes(offsetMinutes) : null);
        return new Schedule(
            ScheduleActionStartWorkflow.Create((ScheduledCounterWorkflow wf) => wf.RunAsync(plan), options),
            new ScheduleSpec { Intervals = [interval] });
    }

    private Task<DescribeScheduleResponse> RawDescribeAsync(string scheduleId) =>
        Client.WorkflowService.DescribeScheduleAsync(new DescribeScheduleRequest { Namespace = Client.Options.Namespace, ScheduleId = scheduleId });

    /// <summary>The server clock runs on in real time between a due item and the work it does: allow a second.</summary>
    private static void AssertAbout(DateTimeOffset expected, DateTime actual) =>
        Assert.InRange(new DateTimeOffset(actual, TimeSpan.Zero), expected, expected + TimeSpan.FromSeconds(1));

    private static DateTimeOffset NextHour(DateTimeOffset after, int offsetMinutes)
    {
        var hour = new DateTimeOffset(after.Year, after.Month, after.Day, after.Hour, offsetMinutes, 0, TimeSpan.Zero);
        return hour > after ? hour : hour.AddHours(1);
    }

    private async Task<DateTimeOffset> NowAsync() => new(await _harness.Environment.GetCurrentTimeAsync(), TimeSpan.Zero);

    private async Task DelayUntilAsync(DateTimeOffset until)
    {
        var now = await NowAsync();
        if (until > now)
        {
            await _harness.Environment.DelayAsync(until - now);
        }
    }

    private sealed record Started(DateTimeOffset Nominal, WorkflowExecution Execution);

    /// <summary>The workflows the schedule started, by their TemporalScheduledById, in nominal time order.</summary>
    private async Task<List<Started>> StartedAsync(string scheduleId)
    {
        var started = new List<Started>();
        await foreach (var execution in Client.ListWorkflowsAsync($"TemporalScheduledById = '{scheduleId}'"))
        {
            started.Add(new Started(execution.TypedSearchAttributes.Get(ScheduledStartTime), execution));
        }

        return [.. started.OrderBy(s => s.Nominal)];
    }

    /// <summary>Runs the body with a worker and the schedule; then deletes it and terminates what it left running.</summary>
    private Task<T> WithScheduleAsync<T>(string scheduleId, Schedule schedule, Func<ScheduleHandle, Task<T>> body) =>
        _harness.WithWorkerAsync(o => o.AddWorkflow<ScheduledCounterWorkflow>(), async () =>
        {
            var handle = await Client.CreateScheduleAsync(scheduleId, schedule);
            try
            {
                return await body(handle);
            }
            finally
            {
                await handle.DeleteAsync();
                foreach (var started in await StartedAsync(scheduleId))
                {
                    if (started.Execution.Status == WorkflowExecutionStatus.Running)
                    {
                        await Client.GetWorkflowHandle(started.Execution.Id).TerminateAsync("test over");
                    }
                }
            }
        });
}
