using System.Collections.Concurrent;
using System.Diagnostics;
using Temporalio.Client;
using Temporalio.Client.Interceptors;
using Temporalio.Worker.Interceptors;

namespace OmniFlow.Fulfillment.Telemetry;

/// <summary>
/// Traces Temporal calls over <see cref="System.Diagnostics.ActivitySource"/> <c>OmniFlow.Temporal</c>, so that one
/// order is one trace: the client spans (<c>StartWorkflow:OrderWorkflow</c>...) put their context in the Temporal
/// headers, the worker continues it (<c>RunWorkflow</c>, <c>StartActivity</c>, <c>RunActivity</c>,
/// <c>StartChildWorkflow</c>...). Set it on the client's options: workers built on that client pick it up as their
/// worker interceptor too (the SDK adds client interceptors that are also worker interceptors).
/// </summary>
/// <remarks>
/// <para>
/// Workflow code is resumed and replayed, so a workflow cannot hold a span open across awaits. Every span made in a
/// workflow is started and stopped at once (a point in time on the worker's wall clock, which never feeds back into
/// the workflow), parented explicitly to the workflow's context (never to <see cref="Activity.Current"/>), and made only
/// when the workflow is not replaying: a history replayed after an eviction, a worker restart or by the replayer
/// records nothing twice. See <see cref="WorkflowSpans"/>.
/// </para>
/// <para>
/// Signals, updates and queries come in other requests with their own traces. As in Temporal's own interceptor, a
/// signal or update handler's span belongs to the workflow's trace (child of <c>RunWorkflow</c>) and links to the
/// sender's span. A query changes nothing, so its span is the child of the caller's <c>QueryWorkflow</c> span and links
/// to the workflow's, which keeps status polling out of the order's trace.
/// </para>
/// </remarks>
public sealed class TemporalTracingInterceptor : IClientInterceptor, IWorkerInterceptor
{
    public const string SourceName = "OmniFlow.Temporal";

    public const string WorkflowIdTag = "temporalWorkflowID";
    public const string RunIdTag = "temporalRunID";
    public const string ActivityIdTag = "temporalActivityID";
    public const string UpdateIdTag = "temporalUpdateID";

    /// <summary>How many runs' <c>RunWorkflow</c> contexts are remembered for after an eviction; past it the memory starts again.</summary>
    internal const int RememberedRuns = 10_000;

    private static readonly ActivitySource DefaultSource = new(SourceName);

    private readonly ConcurrentDictionary<string, ActivityContext> runSpans = new(StringComparer.Ordinal);

    /// <param name="source">The source spans are made on; <c>OmniFlow.Temporal</c> unless a test brings its own.</param>
    public TemporalTracingInterceptor(ActivitySource? source = null) => Source = source ?? DefaultSource;

    public ActivitySource Source { get; }

    public ClientOutboundInterceptor InterceptClient(ClientOutboundInterceptor nextInterceptor) => new TracingClientOutbound(this, nextInterceptor);

    public WorkflowInboundInterceptor InterceptWorkflow(WorkflowInboundInterceptor nextInterceptor) => new TracingWorkflowInbound(this, nextInterceptor);

    public ActivityInboundInterceptor InterceptActivity(ActivityInboundInterceptor nextInterceptor) => new TracingActivityInbound(this, nextInterceptor);

    /// <summary>
    /// Remembers the span a run's code first ran under, so that when the run is evicted from the worker's cache and
    /// replayed in this process, what it does next still nests under that same <c>RunWorkflow</c> span. After a worker
    /// restart the context is gone and new spans parent to the workflow's starter instead: the same trace all the same.
    /// </summary>
    internal void RememberRun(string runId, ActivityContext context)
    {
        if (runSpans.Count >= RememberedRuns)
        {
            runSpans.Clear();
        }

        runSpans[runId] = context;
    }

    internal ActivityContext RecallRun(string runId) => runSpans.TryGetValue(runId, out var context) ? context : default;

    internal void ForgetRun(string runId) => runSpans.TryRemove(runId, out _);

    /// <summary>A client span, child of <see cref="Activity.Current"/> (the request's span in the Api); null when nobody listens.</summary>
    internal Activity? StartClientSpan(string name, string? workflowId, string? updateId = null)
    {
        var span = Source.StartActivity(name, ActivityKind.Client);
        if (span is { IsAllDataRequested: true })
        {
            if (workflowId is not null)
            {
                span.SetTag(WorkflowIdTag, workflowId);
            }

            if (updateId is not null)
            {
                span.SetTag(UpdateIdTag, updateId);
            }
        }

        return span;
    }

    /// <summary>What an outgoing call carries: its own span, else whatever span is current (so the trace goes on even unrecorded here).</summary>
    internal static ActivityContext Outgoing(Activity? span) => span?.Context ?? Activity.Current?.Context ?? default;

    /// <summary>
    /// Is there anything to trace or carry? Spans are made when this source is listened to (the service exports traces),
    /// and a current span is carried on when it is sampled (a traced caller upstream). Otherwise, as in the Api without
    /// an OTLP endpoint, where ASP.NET Core still makes an unrecorded Activity per request for its log scopes, the call
    /// passes through untouched, with no allocation.
    /// </summary>
    internal bool Tracing => Source.HasListeners() || Activity.Current is { Recorded: true };

    internal static void Fail(Activity? span, Exception error)
    {
        if (span is null)
        {
            return;
        }

        span.SetStatus(ActivityStatusCode.Error, error.Message);
        span.AddException(error);
    }

    /// <summary>
    /// Client calls: a client span each, its context injected into the call's headers. With nothing to trace (no
    /// listener, no current span) the call goes through as it came, without an allocation.
    /// </summary>
    private sealed class TracingClientOutbound(TemporalTracingInterceptor root, ClientOutboundInterceptor next) : ClientOutboundInterceptor(next)
    {
        public override Task<WorkflowHandle<TWorkflow, TResult>> StartWorkflowAsync<TWorkflow, TResult>(StartWorkflowInput input) =>
            root.Tracing ? TracedStartWorkflowAsync<TWorkflow, TResult>(input) : base.StartWorkflowAsync<TWorkflow, TResult>(input);

        public override Task SignalWorkflowAsync(SignalWorkflowInput input) =>
            root.Tracing ? TracedSignalWorkflowAsync(input) : base.SignalWorkflowAsync(input);

        public override Task<TResult> QueryWorkflowAsync<TResult>(QueryWorkflowInput input) =>
            root.Tracing ? TracedQueryWorkflowAsync<TResult>(input) : base.QueryWorkflowAsync<TResult>(input);

        public override Task<WorkflowUpdateHandle<TResult>> StartWorkflowUpdateAsync<TResult>(StartWorkflowUpdateInput input) =>
            root.Tracing ? TracedStartWorkflowUpdateAsync<TResult>(input) : base.StartWorkflowUpdateAsync<TResult>(input);

        public override Task<WorkflowUpdateHandle<TUpdateResult>> StartUpdateWithStartWorkflowAsync<TUpdateResult>(StartUpdateWithStartWorkflowInput input) =>
            root.Tracing && input.Options.StartWorkflowOperation is not null
                ? TracedUpdateWithStartAsync<TUpdateResult>(input)
                : base.StartUpdateWithStartWorkflowAsync<TUpdateResult>(input);

        // Each traced call is an async method of its own: the span it starts is current only inside it, and the
        // caller's Activity.Current is as it was once the call returns.
        private async Task<WorkflowHandle<TWorkflow, TResult>> TracedStartWorkflowAsync<TWorkflow, TResult>(StartWorkflowInput input)
        {
            var verb = input.Options.StartSignal is null ? "StartWorkflow" : "SignalWithStartWorkflow";
            using var span = root.StartClientSpan($"{verb}:{input.Workflow}", input.Options.Id);
            try
            {
                return await base.StartWorkflowAsync<TWorkflow, TResult>(input with { Headers = TraceHeaders.With(input.Headers, Outgoing(span)) }).ConfigureAwait(false);
            }
            catch (Exception error)
            {
                Fail(span, error);
                throw;
            }
        }

        private async Task TracedSignalWorkflowAsync(SignalWorkflowInput input)
        {
            using var span = root.StartClientSpan($"SignalWorkflow:{input.Signal}", input.Id);
            try
            {
                await base.SignalWorkflowAsync(input with { Headers = TraceHeaders.With(input.Headers, Outgoing(span)) }).ConfigureAwait(false);
            }
            catch (Exception error)
            {
                Fail(span, error);
                throw;
            }
        }

        private async Task<TResult> TracedQueryWorkflowAsync<TResult>(QueryWorkflowInput input)
        {
            using var span = root.StartClientSpan($"QueryWorkflow:{input.Query}", input.Id);
            try
            {
                return await base.QueryWorkflowAsync<TResult>(input with { Headers = TraceHeaders.With(input.Headers, Outgoing(span)) }).ConfigureAwait(false);
            }
            catch (Exception error)
            {
                Fail(span, error);
                throw;
            }
        }

        private async Task<WorkflowUpdateHandle<TResult>> TracedStartWorkflowUpdateAsync<TResult>(StartWorkflowUpdateInput input)
        {
            using var span = root.StartClientSpan($"UpdateWorkflow:{input.Update}", input.Id, input.Options.Id);
            try
            {
                return await base.StartWorkflowUpdateAsync<TResult>(input with { Headers = TraceHeaders.With(input.Headers, Outgoing(span)) }).ConfigureAwait(false);
            }
            catch (Exception error)
            {
                Fail(span, error);
                throw;
            }
        }

        private async Task<WorkflowUpdateHandle<TUpdateResult>> TracedUpdateWithStartAsync<TUpdateResult>(StartUpdateWithStartWorkflowInput input)
        {
            var start = input.Options.StartWorkflowOperation!;
            using var span = root.StartClientSpan($"UpdateWithStartWorkflow:{start.Workflow}", start.Options.Id, input.Options.Id);
            var context = Outgoing(span);
            // The start carries the context as well as the update. The operation is copied, not changed (a copy shares
            // the caller's handle completion), and so are the options that hold it.
            var operation = (WithStartWorkflowOperation)start.Clone();
            operation.Headers = TraceHeaders.With(start.Headers, context);
            var options = (WorkflowStartUpdateWithStartOptions)input.Options.Clone();
            options.StartWorkflowOperation = operation;
            try
            {
                return await base.StartUpdateWithStartWorkflowAsync<TUpdateResult>(
                    input with { Headers = TraceHeaders.With(input.Headers, context), Options = options }).ConfigureAwait(false);
            }
            catch (Exception error)
            {
                Fail(span, error);
                throw;
            }
        }
    }

    /// <summary>Runs an activity (local ones too) in a <c>RunActivity:Name</c> span, child of the context the workflow scheduled it with.</summary>
    private sealed class TracingActivityInbound(TemporalTracingInterceptor root, ActivityInboundInterceptor next) : ActivityInboundInterceptor(next)
    {
        public override async Task<object?> ExecuteActivityAsync(ExecuteActivityInput input)
        {
            var info = Temporalio.Activities.ActivityExecutionContext.Current.Info;
            var parent = TraceHeaders.Read(input.Headers);
            // Current for the whole activity: the database commands and HTTP calls it makes nest under it.
            using var span = root.Source.StartActivity($"RunActivity:{info.ActivityType}", ActivityKind.Server, parent);
            if (span is { IsAllDataRequested: true })
            {
                span.SetTag(WorkflowIdTag, info.WorkflowId);
                span.SetTag(RunIdTag, info.WorkflowRunId);
                span.SetTag(ActivityIdTag, info.ActivityId);
                span.SetTag("temporalActivityAttempt", info.Attempt);
                if (info.IsLocal)
                {
                    span.SetTag("temporalLocalActivity", true);
                }
            }

            try
            {
                return await base.ExecuteActivityAsync(input).ConfigureAwait(false);
            }
            catch (Exception error)
            {
                Fail(span, error);
                throw;
            }
        }
    }
}
