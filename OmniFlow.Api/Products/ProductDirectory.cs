using System.Collections.Concurrent;
using OmniFlow.Fulfillment.Inventory;

namespace OmniFlow.Api.Products;

/// <summary>What admission needs to know of a product: where it ships from and what it costs.</summary>
public sealed record ListedProduct(string Warehouse, decimal Price);

/// <summary>
/// Which warehouse ships a sku and its price, kept in memory for the admission hot path: a hit costs no database round
/// trip. Known skus are looked up again after 30 s, unknown ones after 1 s; a product written through this instance is
/// known at once (another Api instance sees a new price within 30 s). One lookup per sku runs at a time: when an entry expires under load, one request refreshes it (a known sku
/// keeps its old answer meanwhile) instead of every request in flight querying the database at once.
/// </summary>
public sealed class ProductDirectory(IProductCatalog catalog)
{
    private const long KnownTtl = 30_000;
    private const long UnknownTtl = 1_000;

    private readonly ConcurrentDictionary<string, Entry> entries = new(StringComparer.Ordinal);

    /// <summary>The sku's warehouse and price, or null when the sku does not exist.</summary>
    public async ValueTask<ListedProduct?> FindAsync(string sku, CancellationToken cancellationToken)
    {
        var entry = entries.TryGetValue(sku, out var cached) ? cached : Begin(sku, replacing: null);
        if (entry.Answer.IsCompletedSuccessfully)
        {
            var known = entry.Answer.Result;
            if (known.IsFresh)
            {
                return known.Product;
            }

            var refresh = Begin(sku, replacing: entry);
            if (known.Product is not null)
            {
                return known.Product;
            }

            entry = refresh;
        }

        return (await entry.Answer.WaitAsync(cancellationToken)).Product;
    }

    /// <summary>The sku's product when this instance knows it exists and its entry is fresh; null when only <see cref="FindAsync"/> can tell.</summary>
    public ListedProduct? FindKnown(string sku) =>
        entries.TryGetValue(sku, out var entry) && entry.Answer.IsCompletedSuccessfully && entry.Answer.Result is { IsFresh: true } known
            ? known.Product
            : null;

    public void Remember(ProductDetails product)
    {
        var entry = new Entry();
        entry.Complete(new ListedProduct(product.Warehouse, product.Price));
        entries[product.Sku] = entry;
    }

    /// <summary>Starts a lookup unless another request already did; either way, the entry to wait for.</summary>
    private Entry Begin(string sku, Entry? replacing)
    {
        var candidate = new Entry();
        var started = replacing is null ? entries.TryAdd(sku, candidate) : entries.TryUpdate(sku, candidate, replacing);
        if (!started)
        {
            return entries.TryGetValue(sku, out var current) ? current : Begin(sku, replacing: null);
        }

        _ = LoadAsync(sku, candidate);
        return candidate;
    }

    // Shared by every waiter, so no single request's cancellation stops it; a failure is forgotten, so the next request retries.
    private async Task LoadAsync(string sku, Entry entry)
    {
        try
        {
            var product = await catalog.GetAsync(sku, CancellationToken.None);
            entry.Complete(product is null ? null : new ListedProduct(product.Warehouse, product.Price));
        }
        catch (Exception exception)
        {
            entries.TryRemove(new KeyValuePair<string, Entry>(sku, entry));
            entry.Fail(exception);
        }
    }

    private readonly record struct Known(ListedProduct? Product, long ExpiresAt)
    {
        public bool IsFresh => ExpiresAt > Environment.TickCount64;
    }

    private sealed class Entry
    {
        private readonly TaskCompletionSource<Known> source = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task<Known> Answer => source.Task;

        public void Complete(ListedProduct? product) =>
            source.TrySetResult(new Known(product, Environment.TickCount64 + (product is null ? UnknownTtl : KnownTtl)));

        public void Fail(Exception exception) => source.TrySetException(exception);
    }
}
