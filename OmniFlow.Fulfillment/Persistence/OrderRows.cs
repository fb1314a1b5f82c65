using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using OmniFlow.Fulfillment.Orders;

namespace OmniFlow.Fulfillment.Persistence;

/// <summary>Writes an order's row inside a caller's transaction: the one rule is that an older snapshot never replaces a newer one.</summary>
public static class OrderRows
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>The stored row with its lines, tracked for an update in place; null when the order has no row yet.</summary>
    public static Task<Order?> FindForUpdateAsync(OmniFlowDbContext context, string orderId, CancellationToken cancellationToken) =>
        context.Orders.Include(o => o.Lines).SingleOrDefaultAsync(o => o.Id == orderId, cancellationToken);

    /// <summary>The stored rows of any of <paramref name="orderIds"/> with their lines, by order id, tracked for an update in place.</summary>
    public static Task<Dictionary<string, Order>> FindForUpdateAsync(OmniFlowDbContext context, IReadOnlyCollection<string> orderIds, CancellationToken cancellationToken) =>
        context.Orders.Include(o => o.Lines).Where(o => orderIds.Contains(o.Id)).ToDictionaryAsync(o => o.Id, StringComparer.Ordinal, cancellationToken);

    /// <summary>
    /// Adds <paramref name="order"/> when <paramref name="stored"/> is null, else replaces the stored row with it (keeping
    /// its creation time) unless the stored row is newer. Returns the tracked row, or null when the snapshot was older.
    /// Nothing is saved: the caller's SaveChanges writes it.
    /// </summary>
    public static Order? Write(OmniFlowDbContext context, Order? stored, StoredOrder order)
    {
        var replacement = ToEntity(order);
        if (stored is null)
        {
            context.Orders.Add(replacement);
            return replacement;
        }

        if (stored.UpdatedAt > order.UpdatedAt)
        {
            return null;
        }

        var createdAt = stored.CreatedAt;
        var lines = replacement.Lines;
        context.Entry(stored).CurrentValues.SetValues(replacement);
        stored.CreatedAt = createdAt;
        context.OrderLines.RemoveRange(stored.Lines.Where(line => lines.All(l => l.Sku != line.Sku)));
        foreach (var line in lines)
        {
            var current = stored.Lines.SingleOrDefault(l => l.Sku == line.Sku);
            if (current is null)
            {
                stored.Lines.Add(line);
            }
            else
            {
                current.Quantity = line.Quantity;
                current.Warehouse = line.Warehouse;
            }
        }

        return stored;
    }

    /// <summary>Lines of the same sku are merged: the store keeps one line per sku.</summary>
    public static Order ToEntity(StoredOrder order) => new()
    {
        Id = order.OrderId,
        UserId = order.UserId,
        Amount = order.Amount,
        Status = order.Status,
        PaymentDeadline = order.PaymentDeadline,
        CreatedAt = order.CreatedAt,
        UpdatedAt = order.UpdatedAt,
        TimelineJson = JsonSerializer.Serialize(order.Timeline, Json),
        IdempotencyKey = order.IdempotencyKey,
        Lines =
        [
            .. order.Lines
                .GroupBy(l => l.Sku, StringComparer.Ordinal)
                .Select(g => new OrderLine { OrderId = order.OrderId, Sku = g.Key, Quantity = g.Sum(l => l.Quantity), Warehouse = g.First().Warehouse }),
        ],
    };

    public static StoredOrder ToRecord(Order order) => new(
        order.Id,
        order.UserId,
        order.Amount,
        order.Status,
        [.. order.Lines.OrderBy(l => l.Sku, StringComparer.Ordinal).Select(l => new OrderItem(l.Sku, l.Quantity, l.Warehouse))],
        JsonSerializer.Deserialize<List<OrderTimelineEvent>>(order.TimelineJson, Json) ?? [],
        order.PaymentDeadline,
        order.CreatedAt,
        order.UpdatedAt,
        order.IdempotencyKey);
}
