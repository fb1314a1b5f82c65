using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.History.V1;
using Temporalio.Api.Query.V1;
using Temporalio.Api.TaskQueue.V1;
using Temporalio.Api.Workflow.V1;
using Temporalio.Api.WorkflowService.V1;

namespace OmniFlow.TemporalServer.Engine;

/// <summary>The client side: start, signal, cancel, terminate, history, query, describe.</summary>
public sealed partial class WorkflowEngine
{
    private const int DefaultHistoryPageSize = 1000;

    public StartWorkflowExecutionResponse StartWorkflow(StartWorkflowExecutionRequest request)
    {
        var (run, started) = Start(request.Namespace, SpecOf(request));
        return new StartWorkflowExecutionResponse { RunId = run.RunId, Started = started };
    }

    public static StartSpec SpecOf(StartWorkflowExecutionRequest request)
    {
        Require(request.WorkflowId, "WorkflowId");
        Require(request.WorkflowType?.Name, "WorkflowType");
        Require(request.TaskQueue?.Name, "TaskQueue");
        if (request.RetryPolicy is { } policy && RetryPolicies.Invalid(policy) is { } invalidPolicy)
        {
            throw Errors.InvalidArgument(invalidPolicy);
        }

        if (!string.IsNullOrEmpty(request.CronSchedule))
        {
            if (!CronSchedules.IsValid(request.CronSchedule))
            {
                throw Errors.InvalidArgument("invalid CronSchedule.");
            }

            if (request.WorkflowStartDelay is not null)
            {
                throw Errors.InvalidArgument("CronSchedule and WorkflowStartDelay may not be used together.");
            }
        }

        return new StartSpec
        {
            WorkflowId = request.WorkflowId,
            WorkflowType = request.WorkflowType!,
            TaskQueue = new TaskQueue { Name = request.TaskQueue!.Name, Kind = TaskQueueKind.Normal },
            Input = request.Input,
            ExecutionTimeout = request.WorkflowExecutionTimeout,
            RunTimeout = request.WorkflowRunTimeout,
            TaskTimeout = request.WorkflowTaskTimeout,
            Identity = request.Identity ?? "",
            RequestId = request.RequestId ?? "",
            ReusePolicy = request.WorkflowIdReusePolicy,
            ConflictPolicy = request.WorkflowIdConflictPolicy,
            RetryPolicy = request.RetryPolicy,
            CronSchedule = request.CronSchedule ?? "",
            Memo = request.Memo,
            SearchAttributes = request.SearchAttributes,
            Header = request.Header,
            StartDelay = request.WorkflowStartDelay?.ToTimeSpan() ?? TimeSpan.Zero,
            UserMetadata = request.UserMetadata,
            Priority = request.Priority,
        };
    }

    private static void Require(string? value, string name)
    {
        if (string.IsNullOrEmpty(value))
        {
            throw Errors.InvalidArgument($"{name} is not set on request.");
        }
    }

    public SignalWithStartWorkflowExecutionResponse SignalWithStart(SignalWithStartWorkflowExecutionRequest request)
    {
        Require(request.SignalName, "SignalName");
        var spec = SpecOf(new StartWorkflowExecutionRequest
        {
            Namespace = request.Namespace,
            WorkflowId = request.WorkflowId,
            WorkflowType = request.WorkflowType,
            TaskQueue = request.TaskQueue,
            Input = request.Input,
            WorkflowExecutionTimeout = request.WorkflowExecutionTimeout,
            WorkflowRunTimeout = request.WorkflowRunTimeout,
            WorkflowTaskTimeout = request.WorkflowTaskTimeout,
            Identity = request.Identity,
            RequestId = request.RequestId,
            WorkflowIdReusePolicy = request.WorkflowIdReusePolicy,
            WorkflowIdConflictPolicy = WorkflowIdConflictPolicy.UseExisting,
            RetryPolicy = request.RetryPolicy,
            CronSchedule = request.CronSchedule,
            Memo = request.Memo,
            SearchAttributes = request.SearchAttributes,
            Header = request.Header,
            WorkflowStartDelay = request.WorkflowStartDelay,
            UserMetadata = request.UserMetadata,
            Priority = request.Priority,
        });
        var signal = new HistoryEvent
        {
            EventType = EventType.WorkflowExecutionSignaled,
            WorkflowExecutionSignaledEventAttributes = new()
            {
                SignalName = request.SignalName,
                Input = request.SignalInput,
                Identity = request.Identity ?? "",
                Header = request.Header,
            },
        };
        var (run, started) = Start(request.Namespace, spec, _ => [signal]);
        if (!started)
        {
            using (run.Enter())
            {
                run.Signal(request.SignalName, request.SignalInput, request.Header, request.Identity ?? "", request.RequestId ?? "");
            }
        }

        return new SignalWithStartWorkflowExecutionResponse { RunId = run.RunId, Started = started };
    }

    public void Signal(SignalWorkflowExecutionRequest request)
    {
        Require(request.SignalName, "SignalName");
        var run = ResolveRun(request.Namespace, request.WorkflowExecution?.WorkflowId ?? "", request.WorkflowExecution?.RunId);
        using (run.Enter())
        {
            run.Signal(request.SignalName, request.Input, request.Header, request.Identity ?? "", request.RequestId ?? "");
        }
    }

    public void RequestCancel(RequestCancelWorkflowExecutionRequest request)
    {
        var run = ResolveRun(request.Namespace, request.WorkflowExecution?.WorkflowId ?? "", request.WorkflowExecution?.RunId);
        using (run.Enter())
        {
            run.RequestCancel(request.Reason ?? "", request.Identity ?? "");
        }
    }

    public void Terminate(TerminateWorkflowExecutionRequest request)
    {
        var run = ResolveRun(request.Namespace, request.WorkflowExecution?.WorkflowId ?? "", request.WorkflowExecution?.RunId);
        using (run.Enter())
        {
            run.Terminate(request.Reason ?? "", request.Details, request.Identity ?? "");
        }
    }

    /// <summary>A page of history; with wait_new_event it long-polls for the next event (or the close event).</summary>
    public async Task<GetWorkflowExecutionHistoryResponse> GetHistoryAsync(GetWorkflowExecutionHistoryRequest request, CancellationToken cancellationToken)
    {
        var run = ResolveRun(request.Namespace, request.Execution?.WorkflowId ?? "", request.Execution?.RunId);
        var closeOnly = request.HistoryEventFilterType == HistoryEventFilterType.CloseEvent;
        var from = PageTokens.ReadEventId(request.NextPageToken, empty: 1);
        var pageSize = request.MaximumPageSize > 0 ? request.MaximumPageSize : DefaultHistoryPageSize;
        while (true)
        {
            Task changed;
            lock (run.Sync)
            {
                if (closeOnly)
                {
                    if (!run.IsOpen)
                    {
                        return new GetWorkflowExecutionHistoryResponse { History = run.History.Slice(run.History.LastEventId, run.History.LastEventId) };
                    }
                }
                else if (from <= run.History.LastEventId || !run.IsOpen || !request.WaitNewEvent)
                {
                    var to = Math.Min(run.History.LastEventId, from + pageSize - 1);
                    var more = to < run.History.LastEventId || (run.IsOpen && request.WaitNewEvent);
                    return new GetWorkflowExecutionHistoryResponse
                    {
                        History = run.History.Slice(from, to),
                        NextPageToken = more ? PageTokens.Of(to + 1) : ByteString.Empty,
                    };
                }

                if (!request.WaitNewEvent)
                {
                    return new GetWorkflowExecutionHistoryResponse { History = new History() };
                }

                changed = run.History.Changed;
            }

            try
            {
                await changed.WaitAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
                // The long poll ends empty; the caller polls again with the same position.
                return new GetWorkflowExecutionHistoryResponse { History = new History(), NextPageToken = PageTokens.Of(from) };
            }
        }
    }

    public GetWorkflowExecutionHistoryReverseResponse GetHistoryReverse(GetWorkflowExecutionHistoryReverseRequest request)
    {
        var run = ResolveRun(request.Namespace, request.Execution?.WorkflowId ?? "", request.Execution?.RunId);
        var pageSize = request.MaximumPageSize > 0 ? request.MaximumPageSize : DefaultHistoryPageSize;
        lock (run.Sync)
        {
            var to = PageTokens.ReadEventId(request.NextPageToken, empty: run.History.LastEventId);
            var from = Math.Max(1, to - pageSize + 1);
            var history = new History();
            history.Events.Add(run.History.Slice(from, to).Events.Reverse());
            return new GetWorkflowExecutionHistoryReverseResponse
            {
                History = history,
                NextPageToken = from > 1 ? PageTokens.Of(from - 1) : ByteString.Empty,
            };
        }
    }

    public async Task<QueryWorkflowResponse> QueryAsync(QueryWorkflowRequest request, CancellationToken cancellationToken)
    {
        Require(request.Query?.QueryType, "QueryType");
        var run = ResolveRun(request.Namespace, request.Execution?.WorkflowId ?? "", request.Execution?.RunId);
        PendingQuery pending;
        lock (run.Sync)
        {
            if (request.QueryRejectCondition == QueryRejectCondition.NotOpen && !run.IsOpen)
            {
                return Rejected(run);
            }

            if (request.QueryRejectCondition == QueryRejectCondition.NotCompletedCleanly &&
                run.Status is not (WorkflowExecutionStatus.Running or WorkflowExecutionStatus.Completed))
            {
                return Rejected(run);
            }

            pending = run.AddQuery(request.Query!);
        }

        try
        {
            return await pending.Result.Task.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            string state;
            lock (run.Sync)
            {
                run.ForgetQuery(pending);
                state = $"query {pending.Phase}, workflow task {run.Task?.Phase.ToString() ?? "none"}, last completed started event {run.LastCompletedStartedEventId}";
            }

            // Where the query was when the caller gave up: held by the run, queued, or taken by a worker that did not answer.
            throw new Grpc.Core.RpcException(new Grpc.Core.Status(Grpc.Core.StatusCode.DeadlineExceeded, $"query timed out ({state})"));
        }
    }

    private static QueryWorkflowResponse Rejected(WorkflowRun run) =>
        new() { QueryRejected = new QueryRejected { Status = run.Status } };

    public DescribeWorkflowExecutionResponse Describe(DescribeWorkflowExecutionRequest request)
    {
        var run = ResolveRun(request.Namespace, request.Execution?.WorkflowId ?? "", request.Execution?.RunId);
        lock (run.Sync)
        {
            var response = new DescribeWorkflowExecutionResponse
            {
                ExecutionConfig = new WorkflowExecutionConfig
                {
                    TaskQueue = run.Started.TaskQueue,
                    WorkflowExecutionTimeout = run.Started.WorkflowExecutionTimeout,
                    WorkflowRunTimeout = run.Started.WorkflowRunTimeout,
                    DefaultWorkflowTaskTimeout = run.Started.WorkflowTaskTimeout,
                    UserMetadata = run.UserMetadata,
                },
                WorkflowExecutionInfo = run.ToExecutionInfo(),
            };
            foreach (var activity in run.PendingActivities)
            {
                response.PendingActivities.Add(new PendingActivityInfo
                {
                    ActivityId = activity.Attributes.ActivityId,
                    ActivityType = activity.Attributes.ActivityType,
                    Priority = activity.Attributes.Priority,
                    State = activity.CancelRequested
                        ? PendingActivityState.CancelRequested
                        : activity.Phase == StateMachines.ActivityPhase.Started ? PendingActivityState.Started : PendingActivityState.Scheduled,
                    HeartbeatDetails = activity.HeartbeatDetails,
                    LastHeartbeatTime = activity.LastHeartbeatTime is { } beat ? Timestamp.FromDateTimeOffset(beat) : null,
                    LastStartedTime = activity.StartedTime is { } started ? Timestamp.FromDateTimeOffset(started) : null,
                    Attempt = activity.Attempt,
                    MaximumAttempts = activity.Attributes.RetryPolicy.MaximumAttempts,
                    ScheduledTime = Timestamp.FromDateTimeOffset(activity.AttemptScheduledTime),
                    LastFailure = activity.LastFailure,
                    LastWorkerIdentity = activity.Identity,
                });
            }

            if (run.Task is { } task)
            {
                // Also a speculative task (one only carrying updates), which has no event yet, as on a real server.
                var started = task.Phase == StateMachines.WorkflowTaskPhase.Started;
                response.PendingWorkflowTask = new PendingWorkflowTaskInfo
                {
                    State = started ? PendingWorkflowTaskState.Started : PendingWorkflowTaskState.Scheduled,
                    ScheduledTime = Timestamp.FromDateTimeOffset(task.ScheduledTime),
                    OriginalScheduledTime = Timestamp.FromDateTimeOffset(task.ScheduledTime),
                    StartedTime = started ? Timestamp.FromDateTimeOffset(task.StartedTime) : null,
                    Attempt = task.Attempt,
                };
            }

            foreach (var child in run.PendingChildren)
            {
                response.PendingChildren.Add(new PendingChildExecutionInfo
                {
                    WorkflowId = child.Command.WorkflowId,
                    RunId = child.Execution?.RunId ?? "",
                    WorkflowTypeName = child.Command.WorkflowType.Name,
                    InitiatedId = child.InitiatedEventId,
                    ParentClosePolicy = child.Command.ParentClosePolicy,
                });
            }

            return response;
        }
    }
}
