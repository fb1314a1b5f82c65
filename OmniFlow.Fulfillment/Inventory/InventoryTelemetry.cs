using System.Diagnostics;
using System.Diagnostics.Metrics;
using OmniFlow.Fulfillment.Persistence;

namespace OmniFlow.Fulfillment.Inventory;

/// <summary>The "OmniFlow.Inventory" span source and meter.</summary>
public static class InventoryTelemetry
{
    public const string Name = "OmniFlow.Inventory";

    public static readonly ActivitySource Source = new(Name);

    private static readonly Meter Meter = new(Name);

    /// <summary>Units taken out of available stock by reservations (replays not counted).</summary>
    public static readonly Counter<long> ReservedUnits = Meter.CreateCounter<long>("omniflow.inventory.reserved_units", "{unit}");

    /// <summary>Units given back by releases (replays not counted).</summary>
    public static readonly Counter<long> ReleasedUnits = Meter.CreateCounter<long>("omniflow.inventory.released_units", "{unit}");

    /// <summary>Operations refused for a business reason: insufficient stock or unknown sku.</summary>
    public static readonly Counter<long> Rejections = Meter.CreateCounter<long>("omniflow.inventory.rejections", "{operation}");

    /// <summary>Repeated idempotency keys answered from the stored outcome.</summary>
    public static readonly Counter<long> Replays = Meter.CreateCounter<long>("omniflow.inventory.replays", "{operation}");

    /// <summary>Reservations committed by one transaction: above one when a crowd's reservations arrive while a commit runs.</summary>
    public static readonly Histogram<int> ReservationsPerCommit = Meter.CreateHistogram<int>(
        "omniflow.inventory.reservations_per_commit", "{reservation}", advice: new() { HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32, 64] });

    /// <summary>Transactions run again after a deadlock, lock wait timeout, busy database or lost connection.</summary>
    public static readonly Counter<long> Retries = Meter.CreateCounter<long>("omniflow.inventory.retries", "{attempt}");

    /// <summary>Transactions that stayed in conflict after every retry and surfaced as <see cref="DatabaseBusyException"/>.</summary>
    public static readonly Counter<long> Conflicts = Meter.CreateCounter<long>("omniflow.inventory.conflicts", "{operation}");
}
