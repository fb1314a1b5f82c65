using Microsoft.EntityFrameworkCore;

namespace OmniFlow.Fulfillment.Persistence;

public sealed class OrderStore(DatabaseTransactionRunner transactions, IDbContextFactory<OmniFlowDbContext> contexts) : IOrderStore
{
    private const int MaxCreateAttempts = 20;

    public async Task<StoredOrder> CreateOrGetAsync(StoredOrder order, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(order);

        // The row that collided can be gone by the time it is read (a withdrawn claim of an idempotency key), and inserts
        // that waited on a key whose row was then deleted can deadlock each other (InnoDB): either way, try again.
        for (var attempt = 1; ; attempt++)
        {
            var existing = await FindAsync(order, cancellationToken);
            if (existing is not null)
            {
                return existing;
            }

            try
            {
                await using var context = await contexts.CreateDbContextAsync(cancellationToken);
                context.Orders.Add(OrderRows.ToEntity(order));
                await context.SaveChangesAsync(cancellationToken);
                return order;
            }
            catch (Exception exception) when (DatabaseErrors.IsDuplicateKey(exception) || DatabaseErrors.IsDeadlock(exception))
            {
                if (attempt == MaxCreateAttempts)
                {
                    throw new InvalidOperationException($"Order '{order.OrderId}' kept colliding with orders that then vanished.", exception);
                }
            }
        }
    }

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

    public Task<bool> DeleteAsync(string orderId, CancellationToken cancellationToken = default) =>
        transactions.RunAsync("DeleteOrder", async (context, token) =>
        {
            var stored = await OrderRows.FindForUpdateAsync(context, orderId, token);
            if (stored is null)
            {
                return false;
            }

            context.Orders.Remove(stored);
            await context.SaveChangesAsync(token);
            return true;
        }, cancellationToken);

    public async Task<StoredOrder?> GetAsync(string orderId, CancellationToken cancellationToken = default)
    {
        await using var context = await contexts.CreateDbContextAsync(cancellationToken);
        var order = await context.Orders.AsNoTracking().Include(o => o.Lines).SingleOrDefaultAsync(o => o.Id == orderId, cancellationToken);
        return order is null ? null : OrderRows.ToRecord(order);
    }

    public async Task<StoredOrder?> FindByIdempotencyKeyAsync(string idempotencyKey, CancellationToken cancellationToken = default)
    {
        await using var context = await contexts.CreateDbContextAsync(cancellationToken);
        var order = await context.Orders.AsNoTracking().Include(o => o.Lines).SingleOrDefaultAsync(o => o.IdempotencyKey == idempotencyKey, cancellationToken);
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

    private async Task<StoredOrder?> FindAsync(StoredOrder order, CancellationToken cancellationToken) =>
        await GetAsync(order.OrderId, cancellationToken)
        ?? (order.IdempotencyKey is null ? null : await FindByIdempotencyKeyAsync(order.IdempotencyKey, cancellationToken));

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
