using System.Collections.Concurrent;
using System.Diagnostics;

namespace OmniFlow.Tests.Telemetry;

/// <summary>
/// An in-memory span collector: records every span stopped on the given sources (matched by instance, not by name, so
/// the spans of other tests running meanwhile on sources of the same name stay out).
/// </summary>
internal sealed class SpanCollector : IDisposable
{
    private readonly ConcurrentQueue<Activity> spans = new();
    private readonly ActivityListener listener;

    public SpanCollector(params ActivitySource[] sources)
    {
        listener = new ActivityListener
        {
            ShouldListenTo = source => sources.Contains(source),
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
    }

    public IReadOnlyList<Activity> Spans => [.. spans];

    public void Clear() => spans.Clear();

    public void Dispose() => listener.Dispose();
}
