using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using OmniFlow.Api.Infrastructure;
using OmniFlow.Api.Orders;

namespace OmniFlow.Tests.Api;

/// <summary>The crowd's span waits for the sold-out decision: empty while it may be a sold-out answer, recorded after all when not.</summary>
public sealed class DeferredRequestSpanTests
{
    [Fact]
    public void A_deferred_span_is_recorded_after_all_with_the_request_attributes_and_an_undeferred_one_is_left_alone()
    {
        using var source = new ActivitySource($"test-{Guid.NewGuid():N}");
        using var listener = new ActivityListener
        {
            ShouldListenTo = candidate => candidate == source,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(listener);

        using var deferred = source.StartActivity("request", ActivityKind.Server)!;
        var context = Order(deferred);
        Assert.True(SoldOutShortcut.MayAnswer(context.Request));
        Assert.False(DeferredRequestSpan.Defer(context));
        // What OpenTelemetry's instrumentation does with a request its filter turns down.
        deferred.IsAllDataRequested = false;
        deferred.ActivityTraceFlags &= ~ActivityTraceFlags.Recorded;
        DeferredRequestSpan.Resume(context);
        Assert.True(deferred.IsAllDataRequested);
        Assert.True(deferred.Recorded);
        Assert.Equal("POST", deferred.GetTagItem("http.request.method"));
        Assert.Equal("/api/v1/orders", deferred.GetTagItem("url.path"));
        Assert.Equal("http", deferred.GetTagItem("url.scheme"));
        Assert.Equal("1.1", deferred.GetTagItem("network.protocol.version"));
        Assert.Equal("shop.example", deferred.GetTagItem("server.address"));
        Assert.Equal(8080, deferred.GetTagItem("server.port"));

        using var dropped = source.StartActivity("request", ActivityKind.Server)!;
        dropped.IsAllDataRequested = false;
        dropped.ActivityTraceFlags &= ~ActivityTraceFlags.Recorded;
        DeferredRequestSpan.Resume(Order(dropped));
        Assert.False(dropped.IsAllDataRequested);
        Assert.False(dropped.Recorded);

        var keyed = Order(dropped);
        keyed.Request.Headers[OrdersApi.IdempotencyKeyHeader] = "key-1";
        Assert.False(SoldOutShortcut.MayAnswer(keyed.Request));
    }

    private static DefaultHttpContext Order(Activity span)
    {
        var context = new DefaultHttpContext();
        context.Features.Set<IHttpActivityFeature>(new ActivityFeature(span));
        context.Request.Method = HttpMethods.Post;
        context.Request.Scheme = "http";
        context.Request.Protocol = "HTTP/1.1";
        context.Request.Host = new HostString("shop.example", 8080);
        context.Request.Path = SoldOutShortcut.OrdersPath;
        context.Request.ContentType = "application/json";
        context.Request.ContentLength = 40;
        return context;
    }

    private sealed class ActivityFeature(Activity activity) : IHttpActivityFeature
    {
        public Activity Activity { get; set; } = activity;
    }
}
