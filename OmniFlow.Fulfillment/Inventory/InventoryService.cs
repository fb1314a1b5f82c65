using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using OmniFlow.Fulfillment.Persistence;

namespace OmniFlow.Fulfillment.Inventory;

/// <summary>
/// Stock movements of record. Each runs once per idempotency key in one transaction that locks the touched product
/// rows in sku order, checks, updates them and appends ledger rows, so available stock always equals the ledger's sum.
/// </summary>
public sealed partial class InventoryService(
    IdempotentOperation once,
    DatabaseTransactionRunner transactions,
    TimeProvider time,
    ILogger<InventoryService> logger) : IInventoryService
{
    public async Task<StockOperationResult> ReleaseAsync(string idempotencyKey, string orderId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(orderId);
        using var span = Start("Release", idempotencyKey, orderId);
        var released = 0;

        var (result, replayed) = await once.RunOnceAsync(idempotencyKey, "Release", async (context, token) =>
        {
            released = 0;
            var held = await HeldByOrderAsync(context, orderId, token);
            if (held.Count == 0)
            {
                return new StockOperationResult(StockOutcome.NothingToRelease, Detail: $"Order '{orderId}' holds no stock.");
            }

            // Lock, then read again what the order holds: every ledger write for a sku happens under its row lock,
            // so once all of the order's skus are locked its holdings cannot change before we commit.
            var locked = new SortedSet<string>(StringComparer.Ordinal);
            Dictionary<string, Product> products = [];
            while (!locked.IsSupersetOf(held.Keys))
            {
                locked.UnionWith(held.Keys);
                products = (await context.LockProductsAsync(locked, token)).ToDictionary(p => p.Sku, StringComparer.Ordinal);
                held = await HeldByOrderAsync(context, orderId, token);
            }

            foreach (var (sku, quantity) in held.Where(h => h.Value > 0 && products.ContainsKey(h.Key)))
            {
                Move(context, products[sku], quantity, LedgerKind.Release, orderId, idempotencyKey);
                released += quantity;
            }

            return released == 0
                ? new StockOperationResult(StockOutcome.NothingToRelease, Detail: $"Order '{orderId}' was already released.")
                : new StockOperationResult(StockOutcome.Released, Detail: $"Released {released} units.");
        }, cancellationToken);

        Record(span, result, replayed);
        if (!replayed && released > 0)
        {
            InventoryTelemetry.ReleasedUnits.Add(released);
        }

        LogOutcome(logger, LogLevel.Information, "Release", orderId, idempotencyKey, result.Outcome, replayed);
        return result;
    }

    public async Task<StockOperationResult> RestockAsync(string idempotencyKey, string sku, int quantity, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sku);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(quantity);
        using var span = Start("Restock", idempotencyKey, orderId: null);
        span?.SetTag("omniflow.sku", sku);

        var (result, replayed) = await once.RunOnceAsync(idempotencyKey, "Restock", async (context, token) =>
        {
            var product = (await context.LockProductsAsync([sku], token)).SingleOrDefault();
            if (product is null)
            {
                return new StockOperationResult(StockOutcome.UnknownSku, sku, $"No product '{sku}'.");
            }

            Move(context, product, quantity, LedgerKind.Restock, orderId: null, idempotencyKey);
            return new StockOperationResult(StockOutcome.Restocked, sku, $"Added {quantity} units.");
        }, cancellationToken);

        Record(span, result, replayed);
        LogOutcome(logger, LogLevel.Information, "Restock", sku, idempotencyKey, result.Outcome, replayed);
        return result;
    }

    private void Move(OmniFlowDbContext context, Product product, int delta, LedgerKind kind, string? orderId, string idempotencyKey)
    {
        var now = time.GetStorageNow();
        product.AvailableStock += delta;
        product.Version++;
        product.UpdatedAt = now;
        context.InventoryLedger.Add(new InventoryLedgerEntry
        {
            OrderId = orderId,
            Sku = product.Sku,
            QuantityDelta = delta,
            Kind = kind,
            IdempotencyKey = idempotencyKey,
            CreatedAt = now,
        });
    }

    /// <summary>Units per sku that the order's reservations still hold (reserved minus released).</summary>
    private static async Task<Dictionary<string, int>> HeldByOrderAsync(OmniFlowDbContext context, string orderId, CancellationToken cancellationToken)
    {
        var movements = await context.InventoryLedger
            .Where(e => e.OrderId == orderId && (e.Kind == LedgerKind.Reserve || e.Kind == LedgerKind.Release))
            .Select(e => new { e.Sku, e.QuantityDelta })
            .ToListAsync(cancellationToken);
        return movements
            .GroupBy(m => m.Sku, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => -g.Sum(m => m.QuantityDelta), StringComparer.Ordinal);
    }

    private static Activity? Start(string operation, string idempotencyKey, string? orderId)
    {
        var span = InventoryTelemetry.Source.StartActivity($"Inventory {operation}");
        span?.SetTag("omniflow.idempotency_key", idempotencyKey);
        span?.SetTag("omniflow.order_id", orderId);
        return span;
    }

    private static void Record(Activity? span, StockOperationResult result, bool replayed)
    {
        span?.SetTag("omniflow.inventory.outcome", result.Outcome.ToString());
        span?.SetTag("omniflow.inventory.replayed", replayed);
        if (replayed)
        {
            InventoryTelemetry.Replays.Add(1);
        }

        if (!result.Succeeded)
        {
            InventoryTelemetry.Rejections.Add(1, new KeyValuePair<string, object?>("outcome", result.Outcome.ToString()));
        }
    }

    [LoggerMessage(Message = "{Operation} {Subject} with key {IdempotencyKey}: {Outcome} (replayed: {Replayed})")]
    private static partial void LogOutcome(ILogger logger, LogLevel level, string operation, string subject, string idempotencyKey, StockOutcome outcome, bool replayed);
}
