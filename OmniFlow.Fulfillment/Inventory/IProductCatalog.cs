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

    /// <summary>
    /// The same, and <paramref name="beforeCommit"/> (when not null) runs inside the transaction with the product's row
    /// locked, after the change is written and before it is committed: when it throws, nothing is committed and the
    /// caller gets <see cref="Persistence.CommitAbortedException"/> with that exception inside (not retried as a
    /// database error is). It may run more than once when the database asks for a retry, so it must be idempotent.
    /// </summary>
    Task<ProductDetails> UpsertAsync(
        string sku,
        string name,
        decimal price,
        string warehouse,
        int stock,
        Func<ProductDetails, CancellationToken, Task>? beforeCommit,
        CancellationToken cancellationToken = default);

    Task<ProductDetails?> GetAsync(string sku, CancellationToken cancellationToken = default);

    /// <summary>Every product, by sku.</summary>
    Task<IReadOnlyList<ProductDetails>> ListAsync(CancellationToken cancellationToken = default);
}
