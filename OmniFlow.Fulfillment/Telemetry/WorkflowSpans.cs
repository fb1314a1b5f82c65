using System.Diagnostics;
using Temporalio.Workflows;

namespace OmniFlow.Fulfillment.Telemetry;

/// <summary>
/// Spans made inside workflow code, safe for replay.
/// <list type="bullet">
/// <item>A span is made only when the workflow is not replaying (<see cref="Workflow.Unsafe.IsReplaying"/>), unless
/// asked for even then (queries, which are never part of the history): the first, live execution of a piece of
/// workflow code records it, its replays do not.</item>
/// <item>It is started and stopped at once: a workflow is suspended at every await, possibly for days, possibly
/// evicted and rebuilt by replay on another worker, so no span can stay open across one. Its time is the worker's
/// wall clock at the live execution (what the workflow did when), which is telemetry only: nothing of it flows back
/// into the workflow's state or commands.</item>
/// <item>Its parent is given explicitly (the workflow's context, kept in <see cref="Current"/>), never taken from
/// <see cref="Activity.Current"/>, which in a workflow is whatever the worker's thread happened to carry; and
/// <see cref="Activity.Current"/> is left as it was.</item>
/// </list>
/// </summary>
internal static class WorkflowSpans
{
    /// <summary>
    /// The span context of the workflow code running now: the run's or a handler's. An AsyncLocal: it flows with the
    /// workflow's own awaits (the deterministic scheduler keeps the execution context), and each handler the SDK starts
    /// gets its own.
    /// </summary>
    private static readonly AsyncLocal<ActivityContext> CurrentContext = new();

    public static ActivityContext Current
    {
        get => CurrentContext.Value;
        set => CurrentContext.Value = value;
    }

    /// <summary>Makes (starts and stops) a span in workflow code; null when replaying or when nobody listens.</summary>
    public static Activity? Emit(
        ActivitySource source,
        string name,
        ActivityKind kind,
        ActivityContext parent,
        ActivityContext link = default,
        bool evenOnReplay = false,
        Action<Activity>? describe = null)
    {
        if (!source.HasListeners() || (Workflow.Unsafe.IsReplaying && !evenOnReplay))
        {
            return null;
        }

        var previous = Activity.Current;
        // With no parent context, StartActivity would adopt Activity.Current: clear it so that a span without a parent is a root.
        Activity.Current = null;
        try
        {
            var span = source.StartActivity(name, kind, parent, tags: null, links: link == default ? null : [new ActivityLink(link)]);
            if (span is null)
            {
                return null;
            }

            if (span.IsAllDataRequested)
            {
                var info = Workflow.Info;
                span.SetTag(TemporalTracingInterceptor.WorkflowIdTag, info.WorkflowId);
                span.SetTag(TemporalTracingInterceptor.RunIdTag, info.RunId);
                describe?.Invoke(span);
            }

            span.Stop();
            return span;
        }
        finally
        {
            Activity.Current = previous;
        }
    }
}
