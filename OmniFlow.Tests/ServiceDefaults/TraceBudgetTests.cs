using System.Diagnostics;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry;
using OpenTelemetry.Trace;

namespace OmniFlow.Tests.ServiceDefaults;

/// <summary>The trace budget with the real OpenTelemetry SDK: which spans it records, and that a trace is whole or absent.</summary>
public sealed class TraceBudgetTests : IDisposable
{
    private readonly ActivitySource source = new($"OmniFlow.Tests.TraceBudget.{Guid.NewGuid():N}");

    public void Dispose() => source.Dispose();

    [Fact]
    public async Task New_traces_beyond_the_budget_are_dropped_whole_and_the_budget_comes_back_a_second_later()
    {
        using var roots = ReplenishedByHand(perSecond: 3);
        using var tracing = TracingWith(TraceBudget.For(roots));

        var traces = Enumerable.Range(0, 8).Select(_ => RootWithChild()).ToList();

        Assert.Equal([true, true, true, false, false, false, false, false], traces.Select(trace => trace.Root));
        Assert.All(traces, trace => Assert.Equal(trace.Root, trace.Child));

        // Replenished by hand, the bucket refills by the time elapsed: a second gives the whole budget back.
        await Task.Delay(TimeSpan.FromSeconds(1.1), TestContext.Current.CancellationToken);
        Assert.True(roots.TryReplenish());
        Assert.Equal([true, true, true, false], Enumerable.Range(0, 4).Select(_ => RootWithChild().Root));
    }

    [Fact]
    public void A_trace_continued_from_another_process_follows_that_process_decision_whatever_is_left_of_the_budget()
    {
        using var roots = ReplenishedByHand(perSecond: 1);
        using var tracing = TracingWith(TraceBudget.For(roots));
        Assert.True(RootWithChild().Root);

        Assert.True(Continued(ActivityTraceFlags.Recorded));
        Assert.False(Continued(ActivityTraceFlags.None));
        Assert.False(RootWithChild().Root);
    }

    [Fact]
    public void Zero_traces_every_request_and_a_negative_budget_is_refused()
    {
        using var tracing = TracingWith(TraceBudget.FromConfiguration(0));

        Assert.All(Enumerable.Range(0, 200).Select(_ => RootWithChild()), trace => Assert.True(trace.Root && trace.Child));
        Assert.Throws<ArgumentOutOfRangeException>(() => TraceBudget.FromConfiguration(-1));
    }

    [Theory]
    [InlineData("0", 100, 100)]
    [InlineData("1", 0, 2)]
    public async Task A_service_records_new_traces_within_its_configured_budget(string perSecond, int atLeast, int atMost)
    {
        // The service's tracing listens to every OmniFlow.* source, so other tests' spans can take from its budget but
        // never add to it; a second may turn during the loop, so up to two seconds' budgets.
        var application = $"OmniFlow.Tests.Budgeted.{Guid.NewGuid():N}";
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = application });
        builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://127.0.0.1:9";
        builder.Configuration[TraceBudget.Key] = perSecond;
        builder.AddServiceDefaults();
        await using var app = builder.Build();
        using var provider = app.Services.GetRequiredService<TracerProvider>();
        using var requests = new ActivitySource(application);

        var recorded = Enumerable.Range(0, 100).Count(_ =>
        {
            using var span = requests.StartActivity("request", ActivityKind.Server, parentContext: default);
            return span?.Recorded == true;
        });

        Assert.InRange(recorded, atLeast, atMost);
    }

    /// <summary>A budget that refills only when the test calls <see cref="TokenBucketRateLimiter.TryReplenish"/>.</summary>
    private static TokenBucketRateLimiter ReplenishedByHand(int perSecond) => new(new TokenBucketRateLimiterOptions
    {
        TokenLimit = perSecond, TokensPerPeriod = perSecond, ReplenishmentPeriod = TimeSpan.FromSeconds(1), AutoReplenishment = false, QueueLimit = 0,
    });

    private TracerProvider TracingWith(Sampler sampler) =>
        Sdk.CreateTracerProviderBuilder().AddSource(source.Name).SetSampler(sampler).Build();

    private (bool Root, bool Child) RootWithChild()
    {
        using var root = source.StartActivity("root", ActivityKind.Server, parentContext: default);
        using var child = source.StartActivity("child");
        return (root?.Recorded == true, child?.Recorded == true);
    }

    private bool Continued(ActivityTraceFlags flags)
    {
        var remote = new ActivityContext(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), flags, isRemote: true);
        using var span = source.StartActivity("RunWorkflow", ActivityKind.Server, remote);
        return span?.Recorded == true;
    }
}
