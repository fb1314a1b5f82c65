using Microsoft.EntityFrameworkCore;

namespace OmniFlow.Fulfillment.Persistence;

public sealed class OrderStore(DatabaseTransactionRunner transactions, IDbContextFactory<OmniFlowDbContext> contexts) : IOrderStore
{
    public async Task SaveAsync(StoredOrder order, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(order);
        try
        {
            await SaveOnceAsync(order, cancellationToken);
        }
        catch (DbUpdateException exception) when (DatabaseErrors.IsDuplicateKey(exception))
        {
            // A concurrent save created the order first; this one now replaces it.
            await SaveOnceAsync(order, cancellationToken);
        }
    }

    public async Task<StoredOrder?> GetAsync(string orderId, CancellationToken cancellationToken = default)
    {
        await using var context = await contexts.CreateDbContextAsync(cancellationToken);
        var order = await context.Orders.AsNoTracking().Include(o => o.Lines).SingleOrDefaultAsync(o => o.Id == orderId, cancellationToken);
        return order is null ? null : OrderRows.ToRecord(order);
    }

    public async Task<IReadOnlyList<StoredOrder>> ListAsync(OrderQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        await using var context = await contexts.CreateDbContextAsync(cancellationToken);
        var orders = await Matching(context, query)
            .Include(o => o.Lines)
            .OrderByDescending(o => o.CreatedAt)
            .ThenBy(o => o.Id)
            .Take(query.Limit)
            .AsSplitQuery()
            .ToListAsync(cancellationToken);
        return [.. orders.Select(OrderRows.ToRecord)];
    }

    public async Task<int> CountAsync(OrderQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        await using var context = await contexts.CreateDbContextAsync(cancellationToken);
        return await Matching(context, query).CountAsync(cancellationToken);
    }

    private Task<bool> SaveOnceAsync(StoredOrder order, CancellationToken cancellationToken) =>
        transactions.RunAsync("SaveOrder", async (context, token) =>
        {
            var stored = await OrderRows.FindForUpdateAsync(context, order.OrderId, token);
            if (OrderRows.Write(context, stored, order) is null)
            {
                return false;
            }

            await context.SaveChangesAsync(token);
            return true;
        }, cancellationToken);

    private static IQueryable<Order> Matching(OmniFlowDbContext context, OrderQuery query)
    {
        var orders = context.Orders.AsNoTracking();
        if (query.Status is not null)
        {
            orders = orders.Where(o => o.Status == query.Status);
        }

        if (query.Sku is not null)
        {
            orders = orders.Where(o => o.Lines.Any(l => l.Sku == query.Sku));
        }

        return orders;
    }
}
