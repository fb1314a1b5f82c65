using System.Diagnostics.Metrics;
using OmniFlow.Fulfillment.Inventory;
using OmniFlow.Fulfillment.Orders;

namespace OmniFlow.Fulfillment.Telemetry;

/// <summary>
/// The order business metrics, Meter <c>OmniFlow.Orders</c>: how orders end, how long they took, how long reserving
/// their stock takes. Admissions and rejections per reason are the gate's (<c>OmniFlow.Admission</c>,
/// <see cref="Admission.AdmissionTelemetry"/>: <c>omniflow.admission.admitted</c>, <c>.sold_out</c>, <c>.user_limit</c>,
/// <c>.unknown_sku</c>), and stock movements the inventory's (<c>OmniFlow.Inventory</c>); they are not counted twice here.
/// Recorded by <see cref="OrderMetricsInterceptor"/>, never from a replay.
/// </summary>
public sealed class OrderTelemetry
{
    public const string Name = "OmniFlow.Orders";
    public const string OutcomeTag = "outcome";

    private static readonly KeyValuePair<string, object?> Completed = new(OutcomeTag, "completed");
    private static readonly KeyValuePair<string, object?> Cancelled = new(OutcomeTag, "cancelled");
    private static readonly KeyValuePair<string, object?> Failed = new(OutcomeTag, "failed");
    private static readonly KeyValuePair<string, object?> Reserved = new(OutcomeTag, "reserved");
    private static readonly KeyValuePair<string, object?> InsufficientStock = new(OutcomeTag, "insufficient_stock");
    private static readonly KeyValuePair<string, object?> UnknownSku = new(OutcomeTag, "unknown_sku");
    private static readonly KeyValuePair<string, object?> Error = new(OutcomeTag, "error");

    private readonly Counter<long> ended;
    private readonly Histogram<double> duration;
    private readonly Histogram<double> reservation;

    public OrderTelemetry(IMeterFactory meterFactory)
    {
        var meter = Meter = meterFactory.Create(Name);
        ended = meter.CreateCounter<long>("omniflow.orders.ended", "{order}", "Orders that ended, by outcome: completed, cancelled, failed.");
        duration = meter.CreateHistogram<double>("omniflow.orders.duration", "s", "From the order's admission (its workflow's start) to its end, by outcome.");
        reservation = meter.CreateHistogram<double>(
            "omniflow.orders.reservation.duration", "s",
            "One stock reservation attempt (the ReserveStock activity, its database transaction and retries), by outcome: reserved, insufficient_stock, unknown_sku, error.");
    }

    internal Meter Meter { get; }

    /// <summary>An order ended; <paramref name="took"/> from its workflow's start to its end, both history times.</summary>
    internal void RecordEnded(OrderStatus outcome, TimeSpan took)
    {
        var tag = outcome switch
        {
            OrderStatus.Completed => Completed,
            OrderStatus.Cancelled => Cancelled,
            _ => Failed,
        };
        ended.Add(1, tag);
        duration.Record(Math.Max(0, took.TotalSeconds), tag);
    }

    /// <summary>A reservation attempt took <paramref name="took"/>; a null outcome: it threw.</summary>
    internal void RecordReservation(StockOutcome? outcome, TimeSpan took)
    {
        var tag = outcome switch
        {
            StockOutcome.Reserved => Reserved,
            StockOutcome.InsufficientStock => InsufficientStock,
            StockOutcome.UnknownSku => UnknownSku,
            _ => Error,
        };
        reservation.Record(took.TotalSeconds, tag);
    }
}
