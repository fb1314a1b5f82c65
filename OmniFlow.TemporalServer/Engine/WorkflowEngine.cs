using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Temporalio.Api.Command.V1;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.ErrorDetails.V1;
using Temporalio.Api.Failure.V1;
using Temporalio.Api.History.V1;

namespace OmniFlow.TemporalServer.Engine;

/// <summary>Finds and starts runs; every change to a run happens under that run's lock.</summary>
public sealed partial class WorkflowEngine : IRunDirectory
{
    public WorkflowEngine(EngineContext context, NamespaceRegistry namespaces)
    {
        Context = context;
        Namespaces = namespaces;
        context.Directory = this;
    }

    /// <summary>The store key of the last run created (runs are keyed in creation order).</summary>
    private long _lastRunKey;

    public EngineContext Context { get; }

    public NamespaceRegistry Namespaces { get; }

    public WorkflowRun ResolveRun(string @namespace, string workflowId, string? runId)
    {
        var ns = Namespaces.Get(@namespace);
        var run = string.IsNullOrEmpty(runId) ? ns.FindSlot(workflowId)?.Current : ns.FindRun(runId);
        return run is not null && run.WorkflowId == workflowId
            ? run
            : throw Errors.NotFound($"workflow not found for ID: {workflowId}");
    }

    public WorkflowRun? TryResolveRun(string @namespace, string workflowId, string? runId)
    {
        var ns = Namespaces.Find(@namespace);
        var run = ns is null ? null : string.IsNullOrEmpty(runId) ? ns.FindSlot(workflowId)?.Current : ns.FindRun(runId);
        return run?.WorkflowId == workflowId ? run : null;
    }

    /// <summary>Starts a run for the spec, applying request-id dedup and the id reuse/conflict policies.</summary>
    public (WorkflowRun Run, bool Started) Start(string @namespace, StartSpec spec, Func<WorkflowRun, IReadOnlyList<HistoryEvent>>? initialEvents = null)
    {
        var ns = Namespaces.Get(@namespace);
        ValidateSearchAttributes(ns, spec.SearchAttributes);
        var slot = ns.Slot(spec.WorkflowId);
        lock (slot.Sync)
        {
            if (slot.Current is { } current)
            {
                using (current.Enter())
                {
                    if (!string.IsNullOrEmpty(spec.RequestId) && current.RequestId == spec.RequestId)
                    {
                        return (current, true);
                    }

                    if (current.IsOpen)
                    {
                        var conflict = spec.ReusePolicy == WorkflowIdReusePolicy.TerminateIfRunning
                            ? WorkflowIdConflictPolicy.TerminateExisting
                            : spec.ConflictPolicy;
                        switch (conflict)
                        {
                            case WorkflowIdConflictPolicy.UseExisting:
                                return (current, false);
                            case WorkflowIdConflictPolicy.TerminateExisting:
                                current.Terminate("terminated by a new start of the same workflow id", null, spec.Identity);
                                break;
                            default:
                                throw AlreadyStarted(current, spec);
                        }
                    }
                    else if (spec.ReusePolicy == WorkflowIdReusePolicy.RejectDuplicate ||
                             (spec.ReusePolicy == WorkflowIdReusePolicy.AllowDuplicateFailedOnly &&
                              current.Status is WorkflowExecutionStatus.Completed or WorkflowExecutionStatus.ContinuedAsNew))
                    {
                        throw AlreadyStarted(current, spec);
                    }
                }
            }

            // One reading of the clock: a cron run's wait ends on its schedule time only when counted from its start time.
            var now = Context.Clock.Now;
            if (spec.CronSchedule.Length > 0)
            {
                // A cron workflow's first run waits for the first schedule time.
                spec = spec with
                {
                    StartDelay = CronSchedules.Backoff(spec.CronSchedule, now, now) ?? TimeSpan.Zero,
                    Initiator = ContinueAsNewInitiator.CronSchedule,
                };
            }

            var run = CreateRun(ns, spec);
            slot.Current = run;
            using (run.Enter())
            {
                run.Start(now, spec.StartDelay, initialEvents?.Invoke(run) ?? []);
            }

            return (run, true);
        }
    }

    private static void ValidateSearchAttributes(WorkflowNamespace ns, Temporalio.Api.Common.V1.SearchAttributes? attributes)
    {
        try
        {
            Visibility.SearchAttributeValues.Decode(attributes, ns.SearchAttributes, ns.Name);
        }
        catch (Visibility.VisibilityQueryException ex)
        {
            throw Errors.InvalidArgument(ex.Message);
        }
    }

    private static RpcException AlreadyStarted(WorkflowRun current, StartSpec spec) =>
        Errors.WithDetail(
            StatusCode.AlreadyExists,
            $"Workflow execution already started: {spec.WorkflowId}",
            new WorkflowExecutionAlreadyStartedFailure { StartRequestId = current.RequestId, RunId = current.RunId });

    private WorkflowRun CreateRun(WorkflowNamespace ns, StartSpec spec)
    {
        var runId = Guid.NewGuid().ToString();
        var started = new WorkflowExecutionStartedEventAttributes
        {
            WorkflowType = spec.WorkflowType,
            TaskQueue = spec.TaskQueue,
            Input = spec.Input,
            // Unset when not given, as a real server writes it (not a zero duration).
            WorkflowExecutionTimeout = spec.ExecutionTimeout is { } e && e.ToTimeSpan() > TimeSpan.Zero ? e : null,
            WorkflowRunTimeout = RunTimeout(spec),
            WorkflowTaskTimeout = spec.TaskTimeout is { } t && t.ToTimeSpan() > TimeSpan.Zero
                ? t
                : Duration.FromTimeSpan(TimeSpan.FromSeconds(10)),
            ContinuedExecutionRunId = spec.ContinuedFromRunId,
            Initiator = spec.Initiator,
            ContinuedFailure = spec.ContinuedFailure,
            LastCompletionResult = spec.LastCompletionResult,
            OriginalExecutionRunId = runId,
            Identity = spec.Identity,
            FirstExecutionRunId = string.IsNullOrEmpty(spec.FirstExecutionRunId) ? runId : spec.FirstExecutionRunId,
            RetryPolicy = spec.RetryPolicy is null ? null : RetryPolicies.WithDefaults(spec.RetryPolicy),
            Attempt = spec.Attempt,
            CronSchedule = spec.CronSchedule,
            Memo = spec.Memo,
            SearchAttributes = spec.SearchAttributes,
            Header = spec.Header,
            WorkflowId = spec.WorkflowId,
            Priority = spec.Priority,
        };
        if (spec.ExecutionExpiration is { } expiration)
        {
            started.WorkflowExecutionExpirationTime = expiration;
        }
        else if (spec.ExecutionTimeout is { } executionTimeout && executionTimeout.ToTimeSpan() > TimeSpan.Zero)
        {
            started.WorkflowExecutionExpirationTime = Timestamp.FromDateTimeOffset(Context.Clock.Now + executionTimeout.ToTimeSpan());
        }

        if (spec.Parent is { } parent)
        {
            started.ParentWorkflowNamespace = parent.Namespace;
            started.ParentWorkflowExecution = parent.Execution;
            started.ParentInitiatedEventId = parent.InitiatedEventId;
        }

        var run = new WorkflowRun(Context, ns, spec.WorkflowId, runId, spec.RequestId, started)
        {
            StoreKey = Interlocked.Increment(ref _lastRunKey),
            Parent = spec.Parent,
            UserMetadata = spec.UserMetadata,
        };
        ns.AddRun(run);
        return run;
    }

    private static Duration? RunTimeout(StartSpec spec)
    {
        var run = spec.RunTimeout?.ToTimeSpan() ?? TimeSpan.Zero;
        var execution = spec.ExecutionTimeout?.ToTimeSpan() ?? TimeSpan.Zero;
        if (run <= TimeSpan.Zero || (execution > TimeSpan.Zero && execution < run))
        {
            run = execution;
        }

        return run > TimeSpan.Zero ? Duration.FromTimeSpan(run) : null;
    }

    public WorkflowRun ContinueAsNew(WorkflowRun previous, ContinueAsNewWorkflowExecutionCommandAttributes command)
    {
        var started = previous.Started;
        var spec = new StartSpec
        {
            WorkflowId = previous.WorkflowId,
            WorkflowType = command.WorkflowType is { Name.Length: > 0 } type ? type : started.WorkflowType,
            TaskQueue = command.TaskQueue is { Name.Length: > 0 } queue ? queue : started.TaskQueue,
            Input = command.Input,
            ExecutionTimeout = started.WorkflowExecutionTimeout,
            RunTimeout = command.WorkflowRunTimeout is { } runTimeout && runTimeout.ToTimeSpan() > TimeSpan.Zero
                ? runTimeout
                : started.WorkflowRunTimeout,
            TaskTimeout = command.WorkflowTaskTimeout is { } taskTimeout && taskTimeout.ToTimeSpan() > TimeSpan.Zero
                ? taskTimeout
                : started.WorkflowTaskTimeout,
            RequestId = Guid.NewGuid().ToString(),
            RetryPolicy = command.RetryPolicy ?? started.RetryPolicy,
            CronSchedule = started.CronSchedule,
            Memo = command.Memo ?? previous.Memo,
            SearchAttributes = command.SearchAttributes ?? previous.SearchAttributes,
            Header = command.Header,
            StartDelay = command.BackoffStartInterval?.ToTimeSpan() ?? TimeSpan.Zero,
            Parent = previous.Parent,
            ContinuedFromRunId = previous.RunId,
            FirstExecutionRunId = started.FirstExecutionRunId,
            Initiator = command.Initiator == ContinueAsNewInitiator.Unspecified ? ContinueAsNewInitiator.Workflow : command.Initiator,
            LastCompletionResult = command.LastCompletionResult,
            ContinuedFailure = command.Failure,
            ExecutionExpiration = started.WorkflowExecutionExpirationTime,
            Priority = started.Priority,
        };
        return StartNextRun(previous, spec, Context.Clock.Now);
    }

    /// <summary>
    /// A retry or cron run: the same workflow again (type, queue, input, policies, memo), starting at
    /// <paramref name="startTime"/>, the instant its backoff was counted from.
    /// </summary>
    public WorkflowRun StartSuccessor(
        WorkflowRun previous, ContinueAsNewInitiator initiator, DateTimeOffset startTime, TimeSpan backoff, Failure? failure, Payloads? lastCompletionResult)
    {
        var started = previous.Started;
        var spec = new StartSpec
        {
            WorkflowId = previous.WorkflowId,
            WorkflowType = started.WorkflowType,
            TaskQueue = started.TaskQueue,
            Input = started.Input,
            ExecutionTimeout = started.WorkflowExecutionTimeout,
            RunTimeout = started.WorkflowRunTimeout,
            TaskTimeout = started.WorkflowTaskTimeout,
            RequestId = Guid.NewGuid().ToString(),
            RetryPolicy = started.RetryPolicy,
            CronSchedule = started.CronSchedule,
            Memo = started.Memo,
            SearchAttributes = started.SearchAttributes,
            Header = started.Header,
            StartDelay = backoff,
            Parent = previous.Parent,
            ContinuedFromRunId = previous.RunId,
            FirstExecutionRunId = started.FirstExecutionRunId,
            Initiator = initiator,
            LastCompletionResult = lastCompletionResult,
            ContinuedFailure = failure,
            Attempt = initiator == ContinueAsNewInitiator.Retry ? started.Attempt + 1 : 1,
            ExecutionExpiration = started.WorkflowExecutionExpirationTime,
            UserMetadata = previous.UserMetadata,
            Priority = started.Priority,
        };
        return StartNextRun(previous, spec, startTime);
    }

    private WorkflowRun StartNextRun(WorkflowRun previous, StartSpec spec, DateTimeOffset startTime)
    {
        var next = CreateRun(previous.Namespace, spec);
        previous.Namespace.Slot(previous.WorkflowId).Current = next;
        using (next.Enter())
        {
            next.Start(startTime, spec.StartDelay, []);
        }

        return next;
    }

    public void StartChild(WorkflowRun parent, long initiatedEventId, StartChildWorkflowExecutionCommandAttributes command, Temporalio.Api.Sdk.V1.UserMetadata? userMetadata)
    {
        var spec = new StartSpec
        {
            WorkflowId = command.WorkflowId,
            WorkflowType = command.WorkflowType,
            TaskQueue = command.TaskQueue,
            Input = command.Input,
            ExecutionTimeout = command.WorkflowExecutionTimeout,
            RunTimeout = command.WorkflowRunTimeout,
            TaskTimeout = command.WorkflowTaskTimeout,
            // The same for every attempt to start this child: one asked again after a restart finds the run it started.
            RequestId = $"{parent.RunId}/{initiatedEventId}",
            ReusePolicy = command.WorkflowIdReusePolicy,
            RetryPolicy = command.RetryPolicy,
            CronSchedule = command.CronSchedule,
            Memo = command.Memo,
            SearchAttributes = command.SearchAttributes,
            Header = command.Header,
            Parent = new ParentLink(parent.Namespace.Name, parent.Execution, initiatedEventId),
            UserMetadata = userMetadata,
            Priority = command.Priority,
        };
        WorkflowRun? child = null;
        try
        {
            child = Start(command.Namespace, spec).Run;
        }
        catch (RpcException ex) when (ex.StatusCode is StatusCode.AlreadyExists or StatusCode.NotFound)
        {
        }

        using (parent.Enter())
        {
            if (child is null)
            {
                parent.ChildStartFailed(initiatedEventId, StartChildWorkflowExecutionFailedCause.WorkflowAlreadyExists);
            }
            else
            {
                parent.ChildStarted(initiatedEventId, child.Execution);
            }
        }
    }

    public void ChildClosed(WorkflowRun child, HistoryEvent closeEvent)
    {
        if (child.Parent is not { } link ||
            TryResolveRun(link.Namespace, link.Execution.WorkflowId, link.Execution.RunId) is not { } parent)
        {
            return;
        }

        using (parent.Enter())
        {
            parent.ChildClosed(link.InitiatedEventId, closeEvent);
        }
    }

    public void SignalExternal(WorkflowRun source, long initiatedEventId, SignalExternalWorkflowExecutionCommandAttributes command)
    {
        var delivered = false;
        if (TryResolveRun(command.Namespace, command.Execution.WorkflowId, command.Execution.RunId) is { } target)
        {
            using (target.Enter())
            {
                if (target.IsOpen)
                {
                    // A signal sent again after a restart is recognised by its request id and written once.
                    target.Signal(command.SignalName, command.Input, command.Header, source.WorkflowId, $"{source.RunId}/{initiatedEventId}");
                    delivered = true;
                }
            }
        }

        using (source.Enter())
        {
            source.ExternalSignalResult(initiatedEventId, command, delivered);
        }
    }

    public void CancelExternal(WorkflowRun source, long initiatedEventId, RequestCancelExternalWorkflowExecutionCommandAttributes command)
    {
        var delivered = false;
        if (TryResolveRun(command.Namespace, command.WorkflowId, command.RunId) is { } target)
        {
            // As on a real server, canceling a run that has closed succeeds: only an unknown workflow fails the request.
            using (target.Enter())
            {
                target.RequestCancel(command.Reason, source.WorkflowId, initiatedEventId, source.Execution);
                delivered = true;
            }
        }

        using (source.Enter())
        {
            source.ExternalCancelResult(initiatedEventId, command, delivered);
        }
    }

    public void ApplyParentClosePolicy(string @namespace, string workflowId, string runId, ParentClosePolicy policy)
    {
        if (TryResolveRun(@namespace, workflowId, null) is not { } child || child.Started.FirstExecutionRunId != FirstRunOf(@namespace, workflowId, runId))
        {
            return;
        }

        using (child.Enter())
        {
            if (!child.IsOpen)
            {
                return;
            }

            if (policy == ParentClosePolicy.RequestCancel)
            {
                child.RequestCancel("parent closed", "parent close policy");
            }
            else
            {
                child.Terminate("by parent close policy", null, "parent close policy");
            }
        }
    }

    private string FirstRunOf(string @namespace, string workflowId, string runId) =>
        TryResolveRun(@namespace, workflowId, runId)?.Started.FirstExecutionRunId ?? "";
}
