namespace OmniFlow.Fulfillment.Inventory;

/// <summary>A product as the catalog reports it; <see cref="AvailableStock"/> is the database's available stock.</summary>
public sealed record ProductDetails(string Sku, string Name, decimal Price, string Warehouse, int AvailableStock, DateTimeOffset UpdatedAt);

/// <summary>Products and their stock of record.</summary>
public interface IProductCatalog
{
    /// <summary>
    /// Creates or replaces the product and sets its available stock to <paramref name="stock"/>, recording the change
    /// as a Restock ledger row for the difference (negative when stock goes down).
    /// </summary>
    Task<ProductDetails> UpsertAsync(string sku, string name, decimal price, string warehouse, int stock, CancellationToken cancellationToken = default);

    Task<ProductDetails?> GetAsync(string sku, CancellationToken cancellationToken = default);

    /// <summary>Every product, by sku.</summary>
    Task<IReadOnlyList<ProductDetails>> ListAsync(CancellationToken cancellationToken = default);
}
