using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using OmniFlow.Fulfillment.Inventory;
using OmniFlow.Fulfillment.Orders;
using OmniFlow.Fulfillment.Payments;
using OmniFlow.Fulfillment.Telemetry;
using OmniFlow.Tests.Orders;

namespace OmniFlow.Tests.Telemetry;

/// <summary>The OmniFlow.Orders metrics, read with a <see cref="MeterListener"/> while real orders run through the SDK's worker.</summary>
public sealed class OrderMetricsTests(TemporalFixture temporal) : IClassFixture<TemporalFixture>
{
    [Fact]
    public async Task Orders_are_counted_once_by_outcome_even_when_every_workflow_task_replays_and_reservations_are_timed()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var telemetry = new OrderTelemetry(services.GetRequiredService<IMeterFactory>());
        using var measurements = new MeasurementRecorder(telemetry);
        var client = await temporal.ConnectAsync(new OrderMetricsInterceptor(telemetry));
        var taskQueue = $"metered-{Guid.NewGuid():N}";
        var fakes = new OrderActivityFakes
        {
            Reserve = request => request.Lines.Any(line => line.Sku == "SKU-GONE")
                ? new StockOperationResult(StockOutcome.InsufficientStock, "SKU-GONE")
                : new StockOperationResult(StockOutcome.Reserved),
        };

        // No workflow stays cached: each order's code replays from the start at every workflow task, its return too
        // when something (the query below) comes after it.
        var outcomes = await TemporalFixture.WithOrderWorkersAsync(client, taskQueue, fakes, maxCachedWorkflows: 0, async () =>
        {
            var paid = await StartAsync("SKU-A");
            var soldOut = await StartAsync("SKU-GONE");
            var abandoned = await StartAsync("SKU-B");

            await TemporalFixture.WaitForStatusAsync(paid, OrderStatus.PendingPayment);
            await paid.SignalAsync(wf => wf.PayAsync(new PaymentConfirmation("pay-1", 100m)));
            await TemporalFixture.WaitForStatusAsync(abandoned, OrderStatus.PendingPayment);
            await abandoned.CancelAsync();

            var ended = new[] { await paid.GetResultAsync(), await soldOut.GetResultAsync(), await abandoned.GetResultAsync() };
            // A query after the end makes the worker replay the whole history, the return included.
            foreach (var handle in new[] { paid, soldOut, abandoned })
            {
                await handle.QueryAsync(wf => wf.Status());
            }

            return ended.Select(result => result.Status).ToList();
        });

        Assert.Equal([OrderStatus.Completed, OrderStatus.Failed, OrderStatus.Cancelled], outcomes);
        Assert.Equal(
            [("cancelled", 1L), ("completed", 1L), ("failed", 1L)],
            measurements.For("omniflow.orders.ended").GroupBy(m => m.Outcome).Select(g => (g.Key, g.Sum(m => (long)m.Value))).Order());
        var durations = measurements.For("omniflow.orders.duration");
        Assert.Equal(["cancelled", "completed", "failed"], durations.Select(m => m.Outcome).Order());
        Assert.All(durations, m => Assert.InRange(m.Value, 0, 60));

        var reservations = measurements.For("omniflow.orders.reservation.duration");
        // One measurement per execution of the reservation (without a cache, the worker may run a local activity again
        // when its result comes back to a workflow it has evicted): each is real work on the database.
        Assert.Equal(["insufficient_stock", "reserved"], reservations.Select(m => m.Outcome).Distinct().Order());
        Assert.Equal(fakes.Count(InventoryActivities.Reserve), reservations.Count);
        Assert.All(reservations, m => Assert.InRange(m.Value, 0, 30));

        async Task<Temporalio.Client.WorkflowHandle<OrderWorkflow, OrderResult>> StartAsync(string sku)
        {
            var orderId = $"ORDER-{Guid.NewGuid()}";
            var input = TemporalFixture.Order(orderId, taskQueue, new OrderItem(sku, 1, "SH"));
            return await client.StartWorkflowAsync((OrderWorkflow wf) => wf.RunAsync(input), new(orderId, taskQueue));
        }
    }

    private sealed record Measurement(string Instrument, double Value, string? Outcome);

    /// <summary>Every measurement of one <see cref="OrderTelemetry"/>'s instruments, with its outcome tag.</summary>
    private sealed class MeasurementRecorder : IDisposable
    {
        private readonly MeterListener listener = new();
        private readonly ConcurrentQueue<Measurement> measurements = new();

        public MeasurementRecorder(OrderTelemetry telemetry)
        {
            listener.InstrumentPublished = (instrument, meterListener) =>
            {
                if (instrument.Meter == telemetry.Meter)
                {
                    meterListener.EnableMeasurementEvents(instrument);
                }
            };
            listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Add(instrument, value, tags));
            listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Add(instrument, value, tags));
            listener.Start();
        }

        public List<Measurement> For(string instrument) => [.. measurements.Where(m => m.Instrument == instrument)];

        public void Dispose() => listener.Dispose();

        private void Add(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            string? outcome = null;
            foreach (var tag in tags)
            {
                if (tag.Key == OrderTelemetry.OutcomeTag)
                {
                    outcome = tag.Value as string;
                }
            }

            measurements.Enqueue(new Measurement(instrument.Name, value, outcome));
        }
    }
}
