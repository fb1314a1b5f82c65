using System.Collections.Concurrent;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using OmniFlow.TemporalServer.Engine;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.Schedule.V1;
using Temporalio.Api.WorkflowService.V1;

namespace OmniFlow.TemporalServer.Scheduling;

/// <summary>
/// Drives schedules as the real scheduler workflow does (service/worker/scheduler/workflow.go), through the engine's
/// public verbs: each schedule's next action time is an item on the server's clock; when it fires, the schedule times
/// up to now are buffered (or counted as missed past the catchup window), the buffer is worked under the overlap
/// policies, and workflows are started (id <c>&lt;workflow id&gt;-&lt;RFC3339 nominal time&gt;</c>), cancelled or
/// terminated. The close of a started workflow is observed through <see cref="EngineContext.RunClosed"/>.
/// Every method that takes an entry expects the caller to hold its lock, except <see cref="Wake"/>.
/// </summary>
public sealed partial class Scheduler
{
    private readonly WorkflowEngine _engine;
    private readonly ILogger<Scheduler> _logger;
    private readonly ConcurrentDictionary<(string Namespace, string WorkflowId), ScheduleEntry> _watched = new();

    public Scheduler(WorkflowEngine engine, ILogger<Scheduler> logger)
    {
        _engine = engine;
        _logger = logger;
        engine.Context.RunClosed = OnRunClosed;
    }

    public DateTimeOffset Now => _engine.Context.Clock.Now;

    /// <summary>The clock's call: take the actions due by now, then sleep until the next one.</summary>
    public void Wake(ScheduleEntry entry)
    {
        using (entry.Enter())
        {
            if (entry.Deleted)
            {
                return;
            }

            CatchUp(entry);
            ProcessBuffer(entry);
            Reschedule(entry);
        }
    }

    /// <summary>Buffers the scheduled times between the last processed time and now.</summary>
    public void CatchUp(ScheduleEntry entry)
    {
        var now = Now;
        if (now <= entry.LastProcessed)
        {
            return;
        }

        if (entry.CanAct(manual: false, take: false))
        {
            AddTimes(entry, entry.LastProcessed, now, ScheduleOverlapPolicy.Unspecified, manual: false);
        }

        entry.LastProcessed = now;
    }

    /// <summary>Buffers every schedule time in (from, to]; a scheduled (not manual) time past the catchup window is missed.</summary>
    public void AddTimes(ScheduleEntry entry, DateTimeOffset from, DateTimeOffset to, ScheduleOverlapPolicy policy, bool manual)
    {
        var now = Now;
        foreach (var time in entry.Spec.Between(from, to))
        {
            if (!manual && now - time.Actual > entry.CatchupWindow)
            {
                entry.Info.MissedCatchupWindow++;
                continue;
            }

            entry.Buffer.Add(new BufferedStart(time.Nominal, time.Actual, policy, manual));
        }
    }

    /// <summary>Starts, cancels or terminates as the overlap policies decide for the buffered starts.</summary>
    public void ProcessBuffer(ScheduleEntry entry)
    {
        if (entry.Schedule.Action.StartWorkflow is not { } action || entry.Buffer.Count == 0)
        {
            entry.Buffer.Clear();
            entry.Info.BufferSize = 0;
            return;
        }

        var decision = OverlapBuffer.Decide([.. entry.Buffer], entry.Info.RunningWorkflows.Count > 0, entry.Resolve);
        entry.Buffer.Clear();
        entry.Buffer.AddRange(decision.NewBuffer);
        entry.Info.OverlapSkipped += decision.Skipped;
        foreach (var start in decision.Overlapping.Append(decision.NonOverlapping))
        {
            if (start is null || !entry.CanAct(start.Manual, take: true))
            {
                continue;
            }

            StartWorkflow(entry, action, start, tracked: start == decision.NonOverlapping);
        }

        if (decision.NeedTerminate || decision.NeedCancel)
        {
            foreach (var running in entry.Info.RunningWorkflows.ToList())
            {
                StopWorkflow(entry, running, decision.NeedTerminate);
            }
        }

        entry.Info.BufferSize = entry.Buffer.Count;
    }

    /// <summary>Puts the entry's next action time on the clock (none while paused or out of actions).</summary>
    public void Reschedule(ScheduleEntry entry)
    {
        entry.Wakeup?.Cancel();
        entry.Wakeup = null;
        if (entry.Deleted || !entry.CanAct(manual: false, take: false) || entry.Spec.Next(entry.LastProcessed) is not { } next)
        {
            return;
        }

        entry.Wakeup = _engine.Context.Clock.Schedule(next.Actual, () => Wake(entry));
    }

    public void Forget(ScheduleEntry entry)
    {
        entry.Deleted = true;
        entry.Wakeup?.Cancel();
        foreach (var running in entry.Info.RunningWorkflows)
        {
            _watched.TryRemove(new KeyValuePair<(string, string), ScheduleEntry>((entry.Namespace, running.WorkflowId), entry));
        }
    }

    private void StartWorkflow(ScheduleEntry entry, Temporalio.Api.Workflow.V1.NewWorkflowExecutionInfo action, BufferedStart start, bool tracked)
    {
        var nominal = DateTimeOffset.FromUnixTimeSeconds(start.Nominal.ToUnixTimeSeconds());
        var workflowId = $"{action.WorkflowId}-{nominal.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'}";
        var allowAll = entry.Resolve(start.Policy) == ScheduleOverlapPolicy.AllowAll;
        var request = new StartWorkflowExecutionRequest
        {
            Namespace = entry.Namespace,
            WorkflowId = workflowId,
            WorkflowType = action.WorkflowType,
            TaskQueue = action.TaskQueue,
            Input = action.Input,
            WorkflowExecutionTimeout = action.WorkflowExecutionTimeout,
            WorkflowRunTimeout = action.WorkflowRunTimeout,
            WorkflowTaskTimeout = action.WorkflowTaskTimeout,
            Identity = $"temporal-scheduler-{entry.Namespace}-{entry.ScheduleId}",
            RequestId = Guid.NewGuid().ToString(),
            WorkflowIdReusePolicy = start.Manual ? WorkflowIdReusePolicy.AllowDuplicate : WorkflowIdReusePolicy.RejectDuplicate,
            RetryPolicy = action.RetryPolicy,
            Memo = action.Memo,
            SearchAttributes = ScheduledSearchAttributes(action.SearchAttributes, nominal, entry.ScheduleId),
            Header = action.Header,
            UserMetadata = action.UserMetadata,
            Priority = action.Priority,
        };
        string runId;
        try
        {
            var spec = WorkflowEngine.SpecOf(request) with
            {
                // ALLOW_ALL runs take no part in the last completion result and failure.
                LastCompletionResult = allowAll ? null : entry.LastCompletionResult,
                ContinuedFailure = allowAll ? null : entry.ContinuedFailure,
            };
            runId = _engine.Start(entry.Namespace, spec).Run.RunId;
        }
        catch (RpcException ex)
        {
            LogStartFailed(entry.ScheduleId, workflowId, ex.Status.Detail);
            return;
        }

        var execution = new WorkflowExecution { WorkflowId = workflowId, RunId = runId };
        entry.Info.ActionCount++;
        entry.Info.RecentActions.Add(new ScheduleActionResult
        {
            ScheduleTime = Timestamp.FromDateTimeOffset(start.Actual),
            ActualTime = Timestamp.FromDateTimeOffset(Now),
            StartWorkflowResult = execution,
            StartWorkflowStatus = WorkflowExecutionStatus.Running,
        });
        while (entry.Info.RecentActions.Count > ScheduleEntry.RecentActionCount)
        {
            entry.Info.RecentActions.RemoveAt(0);
        }

        if (tracked)
        {
            entry.Info.RunningWorkflows.Add(execution);
            _watched[(entry.Namespace, workflowId)] = entry;
        }
    }

    private static SearchAttributes ScheduledSearchAttributes(SearchAttributes? attributes, DateTimeOffset nominal, string scheduleId)
    {
        var result = attributes?.Clone() ?? new SearchAttributes();
        result.IndexedFields["TemporalScheduledStartTime"] = Visibility.SearchAttributeValues.Encode(nominal, IndexedValueType.Datetime);
        result.IndexedFields["TemporalScheduledById"] = Visibility.SearchAttributeValues.Encode(scheduleId, IndexedValueType.Keyword);
        return result;
    }

    private void StopWorkflow(ScheduleEntry entry, WorkflowExecution running, bool terminate)
    {
        var identity = $"temporal-scheduler-{entry.Namespace}-{entry.ScheduleId}";
        var execution = new WorkflowExecution { WorkflowId = running.WorkflowId };
        try
        {
            if (terminate)
            {
                _engine.Terminate(new TerminateWorkflowExecutionRequest
                {
                    Namespace = entry.Namespace,
                    WorkflowExecution = execution,
                    Reason = "terminated by schedule overlap policy",
                    Identity = identity,
                });
            }
            else
            {
                _engine.RequestCancel(new RequestCancelWorkflowExecutionRequest
                {
                    Namespace = entry.Namespace,
                    WorkflowExecution = execution,
                    Reason = "cancelled by schedule overlap policy",
                    Identity = identity,
                    RequestId = Guid.NewGuid().ToString(),
                });
            }
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.NotFound)
        {
            // Already closed: its close is on its way to OnRunClosed.
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Schedule {ScheduleId} could not start {WorkflowId}: {Reason}")]
    private partial void LogStartFailed(string scheduleId, string workflowId, string reason);
}
