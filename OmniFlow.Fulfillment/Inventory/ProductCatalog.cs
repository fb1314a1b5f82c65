using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using OmniFlow.Fulfillment.Persistence;

namespace OmniFlow.Fulfillment.Inventory;

public sealed partial class ProductCatalog(
    DatabaseTransactionRunner transactions,
    IDbContextFactory<OmniFlowDbContext> contexts,
    TimeProvider time,
    ILogger<ProductCatalog> logger) : IProductCatalog
{
    public Task<ProductDetails> UpsertAsync(string sku, string name, decimal price, string warehouse, int stock, CancellationToken cancellationToken = default) =>
        UpsertAsync(sku, name, price, warehouse, stock, beforeCommit: null, cancellationToken);

    public async Task<ProductDetails> UpsertAsync(
        string sku,
        string name,
        decimal price,
        string warehouse,
        int stock,
        Func<ProductDetails, CancellationToken, Task>? beforeCommit,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sku);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentException.ThrowIfNullOrWhiteSpace(warehouse);
        ArgumentOutOfRangeException.ThrowIfNegative(price);
        ArgumentOutOfRangeException.ThrowIfNegative(stock);
        using var span = InventoryTelemetry.Source.StartActivity("Inventory Upsert");
        span?.SetTag("omniflow.sku", sku);

        try
        {
            return await UpsertOnceAsync(sku, name, price, warehouse, stock, beforeCommit, cancellationToken);
        }
        catch (DbUpdateException exception) when (DatabaseErrors.IsDuplicateKey(exception))
        {
            // Another upsert created the same new sku first; now there is a row to lock and replace.
            return await UpsertOnceAsync(sku, name, price, warehouse, stock, beforeCommit, cancellationToken);
        }
    }

    public async Task<ProductDetails?> GetAsync(string sku, CancellationToken cancellationToken = default)
    {
        await using var context = await contexts.CreateDbContextAsync(cancellationToken);
        var product = await context.Products.AsNoTracking().SingleOrDefaultAsync(p => p.Sku == sku, cancellationToken);
        return product is null ? null : ToDetails(product);
    }

    public async Task<IReadOnlyList<ProductDetails>> ListAsync(CancellationToken cancellationToken = default)
    {
        await using var context = await contexts.CreateDbContextAsync(cancellationToken);
        var products = await context.Products.AsNoTracking().OrderBy(p => p.Sku).ToListAsync(cancellationToken);
        return [.. products.Select(ToDetails)];
    }

    private Task<ProductDetails> UpsertOnceAsync(
        string sku, string name, decimal price, string warehouse, int stock, Func<ProductDetails, CancellationToken, Task>? beforeCommit, CancellationToken cancellationToken) =>
        transactions.RunAsync("Upsert", async (context, token) =>
        {
            var now = time.GetStorageNow();
            var product = (await context.LockProductsAsync([sku], token)).SingleOrDefault();
            if (product is null)
            {
                product = new Product { Sku = sku, Name = name, Warehouse = warehouse };
                context.Products.Add(product);
            }

            var delta = stock - product.AvailableStock;
            product.Name = name;
            product.Price = price;
            product.Warehouse = warehouse;
            product.AvailableStock = stock;
            product.Version++;
            product.UpdatedAt = now;
            if (delta != 0)
            {
                context.InventoryLedger.Add(new InventoryLedgerEntry
                {
                    Sku = sku,
                    QuantityDelta = delta,
                    Kind = LedgerKind.Restock,
                    IdempotencyKey = $"catalog:{sku}:{Guid.NewGuid():N}",
                    CreatedAt = now,
                });
            }

            await context.SaveChangesAsync(token);
            var details = ToDetails(product);
            if (beforeCommit is not null)
            {
                try
                {
                    await beforeCommit(details, token);
                }
                catch (Exception exception) when (exception is not OperationCanceledException)
                {
                    // Wrapped, so that the transaction runner does not take, say, a Redis timeout for a database deadlock.
                    throw new CommitAbortedException($"The upsert of {sku} was rolled back: {exception.Message}", exception);
                }
            }

            LogUpserted(logger, sku, stock, delta);
            return details;
        }, cancellationToken);

    private static ProductDetails ToDetails(Product product) =>
        new(product.Sku, product.Name, product.Price, product.Warehouse, product.AvailableStock, product.UpdatedAt);

    [LoggerMessage(Level = LogLevel.Information, Message = "Product {Sku} upserted with stock {Stock} (delta {Delta})")]
    private static partial void LogUpserted(ILogger logger, string sku, int stock, int delta);
}
