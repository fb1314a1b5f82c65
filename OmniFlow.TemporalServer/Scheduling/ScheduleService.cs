using System.Buffers.Binary;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using OmniFlow.TemporalServer.Engine;
using OmniFlow.TemporalServer.Visibility;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.ErrorDetails.V1;
using Temporalio.Api.Schedule.V1;
using Temporalio.Api.WorkflowService.V1;

namespace OmniFlow.TemporalServer.Scheduling;

/// <summary>
/// The WorkflowService schedule calls: validate as the real frontend does, then act on the schedule under its lock.
/// Conflict tokens are the schedule's change counter as 8 big-endian bytes; a stale one fails the update.
/// </summary>
public sealed class ScheduleService(WorkflowEngine engine, Scheduler scheduler, ScheduleRegistry registry)
{
    private const int ListInfoActionCount = 5;
    private const int DescribeFutureActionCount = 10;
    private const int MaxMatchingTimes = 1000;

    public CreateScheduleResponse Create(CreateScheduleRequest request)
    {
        var ns = engine.Namespaces.Get(request.Namespace).Name;
        if (string.IsNullOrEmpty(request.ScheduleId))
        {
            throw Errors.InvalidArgument("ScheduleId is not set on request.");
        }

        if (string.IsNullOrEmpty(request.RequestId))
        {
            throw Errors.InvalidArgument("RequestId is not set on request.");
        }

        var schedule = Validated(request.Schedule ?? new Schedule(), ns, request.ScheduleId);
        var entry = new ScheduleEntry(ns, request.ScheduleId, schedule.Schedule, schedule.Spec, scheduler.Now, engine.Context.Store)
        {
            Memo = request.Memo,
            SearchAttributes = request.SearchAttributes,
        };
        lock (entry.Sync)
        {
            if (!registry.TryAdd(entry))
            {
                throw Errors.WithDetail(
                    StatusCode.AlreadyExists,
                    $"schedule \"{request.ScheduleId}\" is already registered",
                    new WorkflowExecutionAlreadyStartedFailure { StartRequestId = request.RequestId ?? "" });
            }

            entry.Changed();

            if (request.InitialPatch is { } patch)
            {
                ApplyPatch(entry, patch);
            }

            scheduler.ProcessBuffer(entry);
            scheduler.Reschedule(entry);
            return new CreateScheduleResponse { ConflictToken = Token(entry) };
        }
    }

    public DescribeScheduleResponse Describe(DescribeScheduleRequest request)
    {
        var entry = Get(request.Namespace, request.ScheduleId);
        lock (entry.Sync)
        {
            var info = entry.Info.Clone();
            info.FutureActionTimes.Add(entry.FutureActionTimes(DescribeFutureActionCount).Select(Timestamp.FromDateTimeOffset));
            return new DescribeScheduleResponse
            {
                Schedule = entry.Schedule.Clone(),
                Info = info,
                Memo = entry.Memo,
                SearchAttributes = entry.SearchAttributes,
                ConflictToken = Token(entry),
            };
        }
    }

    public UpdateScheduleResponse Update(UpdateScheduleRequest request)
    {
        var entry = Get(request.Namespace, request.ScheduleId);
        var schedule = Validated(request.Schedule ?? new Schedule(), entry.Namespace, entry.ScheduleId);
        using (entry.Enter())
        {
            if (request.ConflictToken.Length >= 8 && BinaryPrimitives.ReadInt64BigEndian(request.ConflictToken.Span) != entry.ConflictToken)
            {
                throw Errors.FailedPrecondition("mismatched conflict token");
            }

            // Times up to now belong to the old schedule; the new one acts only after the update.
            scheduler.CatchUp(entry);
            scheduler.ProcessBuffer(entry);
            entry.Replace(schedule.Schedule, schedule.Spec, scheduler.Now);
            if (request.SearchAttributes is { } attributes)
            {
                entry.SearchAttributes = attributes;
            }

            scheduler.ProcessBuffer(entry);
            scheduler.Reschedule(entry);
            return new UpdateScheduleResponse();
        }
    }

    public PatchScheduleResponse Patch(PatchScheduleRequest request)
    {
        if (request.Patch is not { } patch)
        {
            throw Errors.InvalidArgument("Schedule patch is not set on request.");
        }

        var entry = Get(request.Namespace, request.ScheduleId);
        using (entry.Enter())
        {
            scheduler.CatchUp(entry);
            ApplyPatch(entry, patch);
            scheduler.ProcessBuffer(entry);
            scheduler.Reschedule(entry);
            return new PatchScheduleResponse();
        }
    }

    public DeleteScheduleResponse Delete(DeleteScheduleRequest request)
    {
        var entry = Get(request.Namespace, request.ScheduleId);
        using (entry.Enter())
        {
            scheduler.Forget(entry);
            registry.Remove(entry);
            return new DeleteScheduleResponse();
        }
    }

    public ListSchedulesResponse List(ListSchedulesRequest request)
    {
        var ns = engine.Namespaces.Get(request.Namespace);
        var query = ScheduleQuery.Parse(request.Query, ns.SearchAttributes);
        var all = registry.InNamespace(ns.Name).Reverse().Where(entry =>
        {
            lock (entry.Sync)
            {
                return query.Matches(ScheduleVisibilityRecord.Of(entry, ns.SearchAttributes));
            }
        }).ToList();
        var offset = PageTokens.ReadOffset(request.NextPageToken);
        var pageSize = request.MaximumPageSize > 0 ? request.MaximumPageSize : 1000;
        var response = new ListSchedulesResponse();
        foreach (var entry in all.Skip(offset).Take(pageSize))
        {
            lock (entry.Sync)
            {
                var info = new ScheduleListInfo
                {
                    Spec = entry.Schedule.Spec.Clone(),
                    WorkflowType = entry.Schedule.Action.StartWorkflow?.WorkflowType,
                    Notes = entry.State.Notes,
                    Paused = entry.State.Paused,
                };
                info.RecentActions.Add(entry.Info.RecentActions.TakeLast(ListInfoActionCount).Select(a => a.Clone()));
                info.FutureActionTimes.Add(entry.FutureActionTimes(ListInfoActionCount).Select(Timestamp.FromDateTimeOffset));
                response.Schedules.Add(new ScheduleListEntry
                {
                    ScheduleId = entry.ScheduleId,
                    Memo = entry.Memo,
                    SearchAttributes = entry.SearchAttributes,
                    Info = info,
                });
            }
        }

        if (offset + pageSize < all.Count)
        {
            response.NextPageToken = PageTokens.Of(offset + pageSize);
        }

        return response;
    }

    public ListScheduleMatchingTimesResponse MatchingTimes(ListScheduleMatchingTimesRequest request)
    {
        var entry = Get(request.Namespace, request.ScheduleId);
        if (request.StartTime is null || request.EndTime is null)
        {
            throw Errors.InvalidArgument("StartTime and EndTime are required.");
        }

        lock (entry.Sync)
        {
            var response = new ListScheduleMatchingTimesResponse();
            response.StartTime.Add(entry.Spec
                .Between(request.StartTime.ToDateTimeOffset(), request.EndTime.ToDateTimeOffset(), MaxMatchingTimes)
                .Select(t => Timestamp.FromDateTimeOffset(t.Actual)));
            return response;
        }
    }

    /// <summary>Trigger, backfill, pause, unpause; the caller works the buffer afterwards.</summary>
    private void ApplyPatch(ScheduleEntry entry, SchedulePatch patch)
    {
        if (patch.TriggerImmediately is { } trigger)
        {
            var now = trigger.ScheduledTime?.ToDateTimeOffset() ?? scheduler.Now;
            entry.Buffer.Add(new BufferedStart(now, now, trigger.OverlapPolicy, Manual: true));
        }

        foreach (var backfill in patch.BackfillRequest)
        {
            // The backfill's start time is inclusive.
            scheduler.AddTimes(
                entry,
                backfill.StartTime.ToDateTimeOffset() - TimeSpan.FromMilliseconds(1),
                backfill.EndTime.ToDateTimeOffset(),
                backfill.OverlapPolicy,
                manual: true);
        }

        if (patch.Pause.Length > 0)
        {
            entry.State.Paused = true;
            entry.State.Notes = patch.Pause;
            entry.Bump();
        }

        if (patch.Unpause.Length > 0)
        {
            entry.State.Paused = false;
            entry.State.Notes = patch.Unpause;
            entry.LastProcessed = scheduler.Now;
            entry.Bump();
        }
    }

    private ScheduleEntry Get(string @namespace, string scheduleId) =>
        registry.Find(engine.Namespaces.Get(@namespace).Name, scheduleId) ?? throw Errors.NotFound("schedule not found");

    /// <summary>A stored schedule's spec, compiled as at its creation.</summary>
    public static CompiledSpec Compile(Schedule schedule, string ns, string scheduleId) =>
        ScheduleSpecCompiler.Compile(schedule.Spec, $"{ns}-{scheduleId}");

    private (Schedule Schedule, CompiledSpec Spec) Validated(Schedule schedule, string ns, string scheduleId)
    {
        var copy = schedule.Clone();
        try
        {
            copy.Spec = ScheduleSpecCompiler.Canonicalize(copy.Spec ?? new ScheduleSpec());
        }
        catch (FormatException ex)
        {
            throw Errors.InvalidArgument(ex.Message);
        }

        if (copy.Action?.StartWorkflow is { } start)
        {
            if (string.IsNullOrEmpty(start.WorkflowId))
            {
                throw Errors.InvalidArgument("WorkflowId is not set on request.");
            }

            if (string.IsNullOrEmpty(start.WorkflowType?.Name))
            {
                throw Errors.InvalidArgument("WorkflowType is not set on request.");
            }

            if (string.IsNullOrEmpty(start.TaskQueue?.Name))
            {
                throw Errors.InvalidArgument("TaskQueue is not set on request.");
            }

            if (!string.IsNullOrEmpty(start.CronSchedule))
            {
                throw Errors.InvalidArgument("CronSchedule is not allowed.");
            }
        }

        return (copy, Compile(copy, ns, scheduleId));
    }

    private static ByteString Token(ScheduleEntry entry)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteInt64BigEndian(bytes, entry.ConflictToken);
        return ByteString.CopyFrom(bytes);
    }
}
