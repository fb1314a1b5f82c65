using OmniFlow.Fulfillment.Persistence;

namespace OmniFlow.Fulfillment.Inventory;

/// <summary>
/// The order's row as a reservation commits it: <paramref name="Reserved"/> (the status that follows a reservation) when
/// every line is reserved, else <paramref name="Reserving"/>.
/// </summary>
public sealed record ReservationRows(StoredOrder Reserving, StoredOrder Reserved)
{
    public string OrderId => Reserving.OrderId;
}
