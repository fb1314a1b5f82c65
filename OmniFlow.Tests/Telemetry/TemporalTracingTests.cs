using System.Diagnostics;
using OmniFlow.Fulfillment.Inventory;
using OmniFlow.Fulfillment.Orders;
using OmniFlow.Fulfillment.Payments;
using OmniFlow.Fulfillment.Shipping;
using OmniFlow.Fulfillment.Telemetry;
using OmniFlow.Tests.Orders;
using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using Temporalio.Worker;

namespace OmniFlow.Tests.Telemetry;

/// <summary>
/// One order is one trace: a real order workflow, its local and normal activities, its shipment children and its
/// payment signal, run by the SDK's worker against the in-process server, traced by <see cref="TemporalTracingInterceptor"/>.
/// </summary>
public sealed class TemporalTracingTests(TemporalFixture temporal) : IClassFixture<TemporalFixture>
{
    /// <summary>Stands in for the Api's ASP.NET Core request spans.</summary>
    private static readonly ActivitySource Requests = new("OmniFlow.Tests.Requests");

    /// <param name="maxCachedWorkflows">0: no workflow stays cached, every workflow task replays the history from the start.</param>
    [Theory]
    [InlineData(null)]
    [InlineData(0)]
    public async Task An_order_is_one_trace_from_the_request_to_the_shipments_and_replays_record_nothing_twice(int? maxCachedWorkflows)
    {
        using var source = new ActivitySource(TemporalTracingInterceptor.SourceName);
        using var collector = new SpanCollector(source, Requests);
        var interceptor = new TemporalTracingInterceptor(source);
        var client = await temporal.ConnectAsync(interceptor);
        var taskQueue = $"traced-{Guid.NewGuid():N}";
        var orderId = $"ORDER-{Guid.NewGuid()}";
        var fakes = new OrderActivityFakes();
        var input = TemporalFixture.Order(orderId, taskQueue, new("SKU-A", 1, "SH"), new("SKU-B", 2, "BJ"));

        ActivityContext post = default, pay = default;
        var result = await TemporalFixture.WithOrderWorkersAsync(client, taskQueue, fakes, maxCachedWorkflows, async () =>
        {
            WorkflowHandle<OrderWorkflow, OrderResult> handle;
            using (var request = Requests.StartActivity("POST /orders", ActivityKind.Server))
            {
                post = request!.Context;
                handle = await client.StartWorkflowAsync((OrderWorkflow wf) => wf.RunAsync(input), new(orderId, taskQueue));
            }

            await TemporalFixture.WaitForStatusAsync(handle, OrderStatus.PendingPayment);
            using (var request = Requests.StartActivity("POST /orders/{id}/pay", ActivityKind.Server))
            {
                pay = request!.Context;
                await handle.SignalAsync(wf => wf.PayAsync(new PaymentConfirmation("pay-1", 100m)));
            }

            return await handle.GetResultAsync();
        });
        Assert.Equal(OrderStatus.Completed, result.Status);

        var spans = collector.Spans.Where(span => span.Source == source).ToList();
        Activity One(string name) => Assert.Single(spans, span => span.OperationName == name);
        List<Activity> All(string name) => [.. spans.Where(span => span.OperationName == name)];
        void ChildOf(Activity parent, Activity child)
        {
            Assert.Equal(parent.TraceId, child.TraceId);
            Assert.True(parent.SpanId == child.ParentSpanId, $"{child.OperationName} should be a child of {parent.OperationName}");
        }

        // The client span continues the request's trace and is the parent of the run.
        var start = One("StartWorkflow:OrderWorkflow");
        Assert.Equal(ActivityKind.Client, start.Kind);
        Assert.Equal(post.TraceId, start.TraceId);
        Assert.Equal(post.SpanId, start.ParentSpanId);
        var run = One("RunWorkflow:OrderWorkflow");
        ChildOf(start, run);
        Assert.Equal(orderId, run.GetTagItem(TemporalTracingInterceptor.WorkflowIdTag));

        // Every command of the order's run hangs from the run (evicted and replayed or not), and each activity's
        // execution from the span that scheduled it: the local reservation too.
        var ordersCommands = spans.Where(span => span.OperationName.StartsWith("StartActivity:", StringComparison.Ordinal)
            && (string?)span.GetTagItem(TemporalTracingInterceptor.WorkflowIdTag) == orderId).ToList();
        Assert.NotEmpty(ordersCommands);
        Assert.All(ordersCommands, command => ChildOf(run, command));
        var reserve = One("StartActivity:ReserveStock");
        Assert.Equal(true, reserve.GetTagItem("temporalLocalActivity"));
        // A worker without a cache may run a local activity again when its result comes back to an evicted workflow:
        // that execution was scheduled by a replay, which makes no span, so it hangs from the run.
        var reservations = All("RunActivity:ReserveStock");
        Assert.Equal(fakes.Count(InventoryActivities.Reserve), reservations.Count);
        Assert.Contains(reservations, execution => execution.ParentSpanId == reserve.SpanId);
        Assert.All(reservations, execution => Assert.Contains(execution.ParentSpanId, new[] { reserve.SpanId, run.SpanId }));
        var capture = One("StartActivity:CapturePayment");
        ChildOf(capture, One("RunActivity:CapturePayment"));
        foreach (var execution in spans.Where(span => span.OperationName.StartsWith("RunActivity:", StringComparison.Ordinal) && !reservations.Contains(span)))
        {
            var scheduledBy = Assert.Single(spans, span => span.SpanId == execution.ParentSpanId);
            Assert.Equal(execution.OperationName.Replace("RunActivity:", "StartActivity:", StringComparison.Ordinal), scheduledBy.OperationName);
        }

        // One child per warehouse, each run a child of the command that started it, with its own activity below it.
        var childStarts = All("StartChildWorkflow:ShipmentWorkflow");
        Assert.Equal(2, childStarts.Count);
        Assert.All(childStarts, childStart => ChildOf(run, childStart));
        var childRuns = All("RunWorkflow:ShipmentWorkflow");
        Assert.Equal(2, childRuns.Count);
        Assert.Equal(Ids(childStarts, span => span.SpanId), Ids(childRuns, span => span.ParentSpanId));
        var ships = All("StartActivity:Ship");
        Assert.Equal(Ids(childRuns, span => span.SpanId), Ids(ships, span => span.ParentSpanId));
        Assert.Equal(2, All("RunActivity:Ship").Count);
        Assert.Equal(2, All("CompleteWorkflow:ShipmentWorkflow").Count);
        ChildOf(run, One("CompleteWorkflow:OrderWorkflow"));

        // The payment arrives in another request: its client span is in that request's trace; the handler is in the
        // order's trace, under the run, and links to the sender.
        var signal = One("SignalWorkflow:Pay");
        Assert.Equal(pay.TraceId, signal.TraceId);
        Assert.Equal(pay.SpanId, signal.ParentSpanId);
        var handled = One("HandleSignal:Pay");
        ChildOf(run, handled);
        var link = Assert.Single(handled.Links);
        Assert.Equal(signal.SpanId, link.Context.SpanId);
        Assert.Equal(signal.TraceId, link.Context.TraceId);

        // Queries stay in the caller's trace and link to the order's run.
        var queries = All("QueryWorkflow:Status");
        Assert.NotEmpty(queries);
        var answered = All("HandleQuery:Status");
        Assert.NotEmpty(answered);
        Assert.All(answered, answer =>
        {
            Assert.Contains(queries, query => query.SpanId == answer.ParentSpanId && query.TraceId == answer.TraceId);
            Assert.Equal(run.SpanId, Assert.Single(answer.Links).Context.SpanId);
        });

        // Everything but the payment request's and the queries' own spans is in the order's one trace.
        Assert.All(
            spans.Where(span => !span.OperationName.Contains("Query", StringComparison.Ordinal) && span != signal),
            span => Assert.Equal(post.TraceId, span.TraceId));

        // No duplicates however often the workflow code ran: one span per command the history holds, one per execution.
        var history = await client.GetWorkflowHandle(orderId).FetchHistoryAsync();
        var scheduled = history.Events
            .Where(e => e.EventType == EventType.ActivityTaskScheduled)
            .GroupBy(e => e.ActivityTaskScheduledEventAttributes.ActivityType.Name)
            .ToDictionary(group => group.Key, group => group.Count());
        Assert.Equal(
            scheduled.OrderBy(pair => pair.Key),
            ordersCommands.Where(span => span.GetTagItem("temporalLocalActivity") is null)
                .GroupBy(span => span.OperationName["StartActivity:".Length..])
                .Select(group => KeyValuePair.Create(group.Key, group.Count()))
                .OrderBy(pair => pair.Key));
        Assert.Equal(
            history.Events.Count(e => e.MarkerRecordedEventAttributes?.MarkerName == "core_local_activity"),
            ordersCommands.Count(span => span.GetTagItem("temporalLocalActivity") is not null));
        foreach (var activity in new[] { InventoryActivities.Reserve, PaymentActivities.Capture, ShippingActivities.Ship, OrderRecordActivities.RecordOrder, NotificationActivities.Notify })
        {
            Assert.Equal(fakes.Count(activity), All($"RunActivity:{activity}").Count);
        }

        // Replaying the whole history with the interceptor records no workflow span at all.
        collector.Clear();
        var replayer = new WorkflowReplayer(new WorkflowReplayerOptions { Interceptors = [interceptor] }
            .AddWorkflow<OrderWorkflow>()
            .AddWorkflow<ShipmentWorkflow>());
        var replay = await replayer.ReplayWorkflowAsync(history, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Null(replay.ReplayFailure);
        Assert.DoesNotContain(collector.Spans, span => span.Source == source);
    }

    private static List<string> Ids(IEnumerable<Activity> spans, Func<Activity, ActivitySpanId> id) =>
        [.. spans.Select(span => id(span).ToHexString()).Order(StringComparer.Ordinal)];

    [Fact]
    public async Task Without_a_listener_a_sampled_callers_context_is_carried_and_an_unsampled_one_is_not()
    {
        // No listener on this source (named outside OmniFlow.*, which a service-defaults tracer in another test may
        // listen to): the interceptor makes no span. A sampled caller's trace must still go on to the worker; an
        // unsampled Activity (ASP.NET Core makes one per request for its log scopes) is left alone.
        using var unheard = new ActivitySource("Tests.Unheard.Temporal");
        var client = await temporal.ConnectAsync(new TemporalTracingInterceptor(unheard));
        var taskQueue = $"unpolled-{Guid.NewGuid():N}";

        Assert.Null(await StartAndReadHeaderAsync(client, taskQueue));
        Assert.Null(await WithRequestAsync(ActivityTraceFlags.None, _ => StartAndReadHeaderAsync(client, taskQueue)));
        string? sampled = null;
        var request = await WithRequestAsync(ActivityTraceFlags.Recorded, async request =>
        {
            sampled = await StartAndReadHeaderAsync(client, taskQueue);
            return request;
        });

        Assert.NotNull(sampled);
        Assert.Contains($"\"00-{request!.TraceId.ToHexString()}-{request.SpanId.ToHexString()}-01\"", sampled, StringComparison.Ordinal);
    }

    /// <summary>Runs <paramref name="body"/> with a current request Activity that no listener made, sampled or not.</summary>
    private static async Task<T> WithRequestAsync<T>(ActivityTraceFlags flags, Func<Activity, Task<T>> body)
    {
        using var request = new Activity("POST /orders").SetIdFormat(ActivityIdFormat.W3C);
        request.ActivityTraceFlags = flags;
        request.Start();
        return await body(request);
    }

    /// <summary>Starts an order nobody runs, and reads the tracing header of its start event (null when there is none).</summary>
    private static async Task<string?> StartAndReadHeaderAsync(ITemporalClient client, string taskQueue)
    {
        var orderId = $"ORDER-{Guid.NewGuid()}";
        var input = TemporalFixture.Order(orderId, taskQueue, new OrderItem("SKU-A", 1, "SH"));
        var handle = await client.StartWorkflowAsync((OrderWorkflow wf) => wf.RunAsync(input), new(orderId, taskQueue));
        try
        {
            var history = await handle.FetchHistoryAsync();
            var started = history.Events.First(e => e.EventType == EventType.WorkflowExecutionStarted).WorkflowExecutionStartedEventAttributes;
            return started.Header?.Fields.TryGetValue("_tracer-data", out var payload) == true ? payload.Data.ToStringUtf8() : null;
        }
        finally
        {
            await handle.TerminateAsync("test done");
        }
    }
}
