using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text;

namespace OmniFlow.Tests.Api;

/// <summary>
/// Over real HTTP: the sold-out crowd is answered at the door, before ASP.NET Core's hosting layer starts a request span;
/// an order that goes in past the door gets its server span as any request does, continuing the caller's trace.
/// </summary>
[Collection(SystemCollection.Name)]
public sealed class SoldOutDoorTests(OmniFlowSystem system)
{
    [Fact]
    public async Task The_crowd_gets_its_429_without_a_request_span_and_an_order_that_goes_in_keeps_its_span()
    {
        system.EnsureAvailable();
        var soldOut = ProductsApiTests.Sku();
        var available = ProductsApiTests.Sku();
        await system.PutProductAsync(soldOut, 1);
        await system.PutProductAsync(available, 5);
        await system.CreateOrderAsync($$"""{"user_id": "u-1", "items": ["{{soldOut}}"], "amount": 100}""");
        using (var learned = await system.PostJsonAsync("/api/v1/orders", $$"""{"user_id": "u-2", "items": ["{{soldOut}}"]}"""))
        {
            await Problems.AssertProblemAsync(learned, HttpStatusCode.TooManyRequests);
        }

        var started = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Microsoft.AspNetCore",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStarted = started.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);

        var crowd = ActivityTraceId.CreateRandom();
        using (var answered = await PostTracedAsync($$"""{"user_id": "u-3", "items": ["{{soldOut}}"], "amount": 100}""", crowd, ActivitySpanId.CreateRandom()))
        {
            var problem = await Problems.AssertProblemAsync(answered, HttpStatusCode.TooManyRequests);
            Assert.Equal("sold out", problem.GetProperty("error").GetString());
            Assert.DoesNotContain(crowd.ToHexString(), problem.GetProperty("trace_id").GetString());
        }

        Assert.DoesNotContain(started, span => span.TraceId == crowd);

        var order = ActivityTraceId.CreateRandom();
        var caller = ActivitySpanId.CreateRandom();
        using (var admitted = await PostTracedAsync($$"""{"user_id": "u-4", "items": ["{{available}}"], "amount": 100}""", order, caller))
        {
            await Problems.JsonAsync(admitted, HttpStatusCode.OK);
        }

        var span = Assert.Single(started, span => span.TraceId == order && span.Kind == ActivityKind.Server);
        Assert.Equal(caller, span.ParentSpanId);
    }

    private Task<HttpResponseMessage> PostTracedAsync(string body, ActivityTraceId trace, ActivitySpanId caller)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/orders") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("traceparent", $"00-{trace.ToHexString()}-{caller.ToHexString()}-01");
        return system.Http.SendAsync(request, TestContext.Current.CancellationToken);
    }
}
