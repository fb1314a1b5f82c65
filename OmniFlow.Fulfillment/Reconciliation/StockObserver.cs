using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using OmniFlow.Fulfillment.Admission;
using OmniFlow.Fulfillment.Persistence;

namespace OmniFlow.Fulfillment.Reconciliation;

/// <summary>
/// Sees each sku in the database and the gate together. The database is read first, in one transaction (its stock and
/// what each recent order holds), then the gate. In that order whatever an order does in between keeps the figures
/// consistent: a reservation after the database read is an admission the database does not show yet, counted as held;
/// an admission after it is a live record the database does not show, also held; a release of both in between shows as
/// a withdrawn admission of an order that still holds units in the database read, and those units count as given back.
/// </summary>
public sealed class StockObserver(IDbContextFactory<OmniFlowDbContext> contexts, IGateAudit gate, IOptions<AdmissionOptions> admission, TimeProvider time)
{
    /// <summary>Reservations made this much before the oldest admission the gate can still hold are looked at too.</summary>
    private static readonly TimeSpan ClockSlack = TimeSpan.FromHours(1);

    public async Task<StockObservation> ObserveAsync(TimeSpan stuckAfter, CancellationToken cancellationToken)
    {
        var (stock, holdings) = await ReadDatabaseAsync(cancellationToken);
        var seen = await gate.ObserveAsync(stock.Keys, cancellationToken);

        var held = stock.Keys.ToDictionary(sku => sku, _ => 0, StringComparer.Ordinal);
        var stale = new List<StaleAdmission>();
        foreach (var admitted in seen.Admissions)
        {
            if (holdings.ContainsKey(admitted.OrderId))
            {
                continue;
            }

            foreach (var line in admitted.Lines.Where(line => held.ContainsKey(line.Sku)))
            {
                held[line.Sku] += line.Quantity;
            }

            if (admitted.Age > stuckAfter)
            {
                stale.Add(new StaleAdmission(admitted.OrderId, admitted.Lines));
            }
        }

        foreach (var orderId in seen.Withdrawn)
        {
            if (holdings.TryGetValue(orderId, out var givenBack))
            {
                foreach (var (sku, quantity) in givenBack.Where(line => held.ContainsKey(line.Key)))
                {
                    held[sku] -= quantity;
                }
            }
        }

        var skus = stock.Keys.Order(StringComparer.Ordinal)
            .Select(sku => new SkuFigures(sku, seen.Stock.GetValueOrDefault(sku), stock[sku], held[sku], seen.IsSettled(sku)))
            .ToList();
        return new StockObservation(skus, stale);
    }

    /// <summary>Every product's available stock and, per order that still holds units, what it holds per sku.</summary>
    private async Task<(Dictionary<string, int> Stock, Dictionary<string, Dictionary<string, int>> Holdings)> ReadDatabaseAsync(CancellationToken cancellationToken)
    {
        var since = time.GetUtcNow() - admission.Value.AdmissionTtl - ClockSlack;
        await using var context = await contexts.CreateDbContextAsync(cancellationToken);
        await using var transaction = await context.BeginSnapshotTransactionAsync(cancellationToken);
        var stock = await context.Products.AsNoTracking().ToDictionaryAsync(p => p.Sku, p => p.AvailableStock, StringComparer.Ordinal, cancellationToken);
        var movements = await context.InventoryLedger.AsNoTracking()
            .Where(e => e.OrderId != null && e.CreatedAt >= since && (e.Kind == LedgerKind.Reserve || e.Kind == LedgerKind.Release))
            .GroupBy(e => new { e.OrderId, e.Sku })
            .Select(g => new { g.Key.OrderId, g.Key.Sku, Held = -g.Sum(e => e.QuantityDelta) })
            .ToListAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);

        var holdings = movements
            .Where(m => m.Held > 0)
            .GroupBy(m => m.OrderId!, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.ToDictionary(m => m.Sku, m => m.Held, StringComparer.Ordinal), StringComparer.Ordinal);
        return (stock, holdings);
    }
}
