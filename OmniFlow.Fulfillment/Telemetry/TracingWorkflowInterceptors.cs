using System.Diagnostics;
using Temporalio.Api.Common.V1;
using Temporalio.Exceptions;
using Temporalio.Worker.Interceptors;
using Temporalio.Workflows;

namespace OmniFlow.Fulfillment.Telemetry;

/// <summary>
/// The workflow side of <see cref="TemporalTracingInterceptor"/>: one instance per workflow instance (a run rebuilt
/// by replay after an eviction gets a new one). Spans are made with <see cref="WorkflowSpans.Emit"/>: live only, never on replay.
/// </summary>
internal sealed class TracingWorkflowInbound(TemporalTracingInterceptor root, WorkflowInboundInterceptor next) : WorkflowInboundInterceptor(next)
{
    /// <summary>This run's <c>RunWorkflow</c> span, once known.</summary>
    private ActivityContext run;

    /// <summary>
    /// The context this run's spans hang from: its <c>RunWorkflow</c> span; after an eviction, the one this process
    /// remembers; else (another process made it, or none was made) the starter's context from the start headers.
    /// </summary>
    internal ActivityContext RunContext
    {
        get
        {
            if (run != default)
            {
                return run;
            }

            var info = Workflow.Info;
            var remembered = root.RecallRun(info.RunId);
            return remembered != default ? remembered : TraceHeaders.Read(info.Headers);
        }
    }

    public override void Init(WorkflowOutboundInterceptor outbound) => base.Init(new TracingWorkflowOutbound(root, this, outbound));

    public override async Task<object?> ExecuteWorkflowAsync(ExecuteWorkflowInput input)
    {
        var info = Workflow.Info;
        var remembered = root.RecallRun(info.RunId);
        // A run this process already traced (evicted and replayed, or its first task retried) keeps its span; the
        // span is made once, by the live first execution of the run's code.
        var span = remembered == default
            ? WorkflowSpans.Emit(root.Source, $"RunWorkflow:{info.WorkflowType}", ActivityKind.Server, TraceHeaders.Read(info.Headers))
            : null;
        if (span is not null)
        {
            root.RememberRun(info.RunId, span.Context);
        }

        run = span?.Context ?? RunContext;
        WorkflowSpans.Current = run;
        try
        {
            var result = await base.ExecuteWorkflowAsync(input);
            WorkflowSpans.Emit(root.Source, $"CompleteWorkflow:{info.WorkflowType}", ActivityKind.Internal, run);
            root.ForgetRun(info.RunId);
            return result;
        }
        catch (ContinueAsNewException)
        {
            root.ForgetRun(info.RunId);
            throw;
        }
        catch (Exception error)
        {
            // A failure (or cancellation) ends the run; any other exception fails the workflow task, which is retried.
            var ends = error is FailureException or OperationCanceledException;
            WorkflowSpans.Emit(
                root.Source,
                $"{(ends ? "CompleteWorkflow" : "WorkflowTaskFailure")}:{info.WorkflowType}",
                ActivityKind.Internal,
                run,
                describe: activity => TemporalTracingInterceptor.Fail(activity, error));
            if (ends)
            {
                root.ForgetRun(info.RunId);
            }

            throw;
        }
    }

    /// <summary>In the workflow's trace (child of <c>RunWorkflow</c>), linked to the sender's span.</summary>
    public override async Task HandleSignalAsync(HandleSignalInput input)
    {
        var parent = RunContext;
        var span = WorkflowSpans.Emit(root.Source, $"HandleSignal:{input.Signal}", ActivityKind.Server, parent, TraceHeaders.Read(input.Headers));
        WorkflowSpans.Current = span?.Context ?? parent;
        try
        {
            await base.HandleSignalAsync(input);
        }
        catch (Exception error)
        {
            Failed($"HandleSignal:{input.Signal}", error);
            throw;
        }
    }

    /// <summary>In the workflow's trace (child of <c>RunWorkflow</c>), linked to the caller's span.</summary>
    public override async Task<object?> HandleUpdateAsync(HandleUpdateInput input)
    {
        var parent = RunContext;
        var span = WorkflowSpans.Emit(
            root.Source, $"HandleUpdate:{input.Update}", ActivityKind.Server, parent, TraceHeaders.Read(input.Headers),
            describe: activity => activity.SetTag(TemporalTracingInterceptor.UpdateIdTag, input.Id));
        WorkflowSpans.Current = span?.Context ?? parent;
        try
        {
            return await base.HandleUpdateAsync(input);
        }
        catch (Exception error)
        {
            Failed($"HandleUpdate:{input.Update}", error);
            throw;
        }
    }

    /// <summary>
    /// In the caller's trace (child of its <c>QueryWorkflow</c> span), linked to the workflow's: a query changes nothing,
    /// and an order polled for its status would otherwise fill its trace. Made after the handler ran, so that it carries
    /// the handler's failure; made even while replaying, since queries are not part of the history.
    /// </summary>
    public override object? HandleQuery(HandleQueryInput input)
    {
        var caller = TraceHeaders.Read(input.Headers);
        var workflow = RunContext;
        Exception? failure = null;
        try
        {
            return base.HandleQuery(input);
        }
        catch (Exception error)
        {
            failure = error;
            throw;
        }
        finally
        {
            WorkflowSpans.Emit(
                root.Source,
                $"HandleQuery:{input.Query}",
                ActivityKind.Server,
                caller != default ? caller : workflow,
                caller != default ? workflow : default,
                evenOnReplay: true,
                describe: failure is null ? null : activity => TemporalTracingInterceptor.Fail(activity, failure));
        }
    }

    /// <summary>A handler's span is already stopped when the handler fails: the failure gets a span of its own.</summary>
    private void Failed(string handler, Exception error) =>
        WorkflowSpans.Emit(
            root.Source,
            $"HandlerFailure:{handler}",
            ActivityKind.Internal,
            WorkflowSpans.Current,
            describe: activity => TemporalTracingInterceptor.Fail(activity, error));
}

/// <summary>
/// What a workflow starts: a client span per activity, local activity, child workflow and signal, its context put in
/// the command's headers; continue-as-new carries the current context to the next run.
/// </summary>
internal sealed class TracingWorkflowOutbound(TemporalTracingInterceptor root, TracingWorkflowInbound inbound, WorkflowOutboundInterceptor next)
    : WorkflowOutboundInterceptor(next)
{
    /// <summary>The span of the code running now (the run, or a handler), else the run's.</summary>
    private ActivityContext Parent => WorkflowSpans.Current != default ? WorkflowSpans.Current : inbound.RunContext;

    public override Task<TResult> ScheduleActivityAsync<TResult>(ScheduleActivityInput input) =>
        base.ScheduleActivityAsync<TResult>(input with { Headers = Announce($"StartActivity:{input.Activity}", input.Headers) });

    public override Task<TResult> ScheduleLocalActivityAsync<TResult>(ScheduleLocalActivityInput input) =>
        base.ScheduleLocalActivityAsync<TResult>(input with
        {
            Headers = Announce($"StartActivity:{input.Activity}", input.Headers, span => span.SetTag("temporalLocalActivity", true)),
        });

    public override Task<ChildWorkflowHandle<TWorkflow, TResult>> StartChildWorkflowAsync<TWorkflow, TResult>(StartChildWorkflowInput input) =>
        base.StartChildWorkflowAsync<TWorkflow, TResult>(input with
        {
            Headers = Announce($"StartChildWorkflow:{input.Workflow}", input.Headers, span => span.SetTag("temporalChildWorkflowID", input.Options.Id)),
        });

    public override Task SignalChildWorkflowAsync(SignalChildWorkflowInput input) =>
        base.SignalChildWorkflowAsync(input with { Headers = Announce($"SignalChildWorkflow:{input.Signal}", input.Headers) });

    public override Task SignalExternalWorkflowAsync(SignalExternalWorkflowInput input) =>
        base.SignalExternalWorkflowAsync(input with { Headers = Announce($"SignalExternalWorkflow:{input.Signal}", input.Headers) });

    public override ContinueAsNewException CreateContinueAsNewException(CreateContinueAsNewExceptionInput input) =>
        base.CreateContinueAsNewException(input with { Headers = TraceHeaders.With(input.Headers, Parent) });

    /// <summary>
    /// The client span of a command (not while replaying: the command was sent by the live execution) and the headers
    /// carrying it. While replaying the headers carry the parent's context; they are not sent again anyway.
    /// </summary>
    private IDictionary<string, Payload>? Announce(string name, IDictionary<string, Payload>? headers, Action<Activity>? describe = null)
    {
        var parent = Parent;
        var span = WorkflowSpans.Emit(root.Source, name, ActivityKind.Client, parent, describe: describe);
        return TraceHeaders.With(headers, span?.Context ?? parent);
    }
}
