using System.Collections.Concurrent;
using OmniFlow.Fulfillment.Inventory;

namespace OmniFlow.Api.Products;

/// <summary>What admission needs to know of a product: where it ships from and what it costs.</summary>
public sealed record ListedProduct(string Warehouse, decimal Price);

/// <summary>
/// Which warehouse ships a sku and its price, kept in memory for the admission hot path: a hit costs no database round
/// trip. Known skus are looked up again after 30 s, unknown ones after 1 s; a product written through this instance is
/// known at once (another Api instance sees a new price within 30 s). One lookup per sku runs at a time, and while a
/// known sku's runs, every request keeps its old answer: an entry expiring under load costs one query, not a crowd
/// waiting for it (or, at <see cref="Orders.SoldOutDoor"/>, a crowd let in because memory could not decide).
/// </summary>
public sealed class ProductDirectory(IProductCatalog catalog, TimeProvider time)
{
    private static readonly TimeSpan KnownTtl = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan UnknownTtl = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<string, Entry> entries = new(StringComparer.Ordinal);

    /// <summary>The sku's warehouse and price, or null when the sku does not exist.</summary>
    public async ValueTask<ListedProduct?> FindAsync(string sku, CancellationToken cancellationToken)
    {
        var entry = entries.TryGetValue(sku, out var cached) ? cached : Begin(sku, replacing: null);
        return FromMemory(sku, ref entry) ?? (await entry.Answer.WaitAsync(cancellationToken)).Product;
    }

    /// <summary>The sku's product when this instance knows it exists (fresh, or while its refresh runs); null when only <see cref="FindAsync"/> can tell.</summary>
    public ListedProduct? FindKnown(string sku) => entries.TryGetValue(sku, out var entry) ? FromMemory(sku, ref entry) : null;

    public void Remember(ProductDetails product)
    {
        var entry = new Entry(previous: null);
        entry.Complete(new ListedProduct(product.Warehouse, product.Price), Deadline(KnownTtl));
        entries[product.Sku] = entry;
    }

    /// <summary>
    /// The product the entry knows without waiting, starting its refresh when it is stale; else null, with
    /// <paramref name="entry"/> the lookup to wait for (a stale unknown sku is looked up again, not answered from memory).
    /// </summary>
    private ListedProduct? FromMemory(string sku, ref Entry entry)
    {
        if (!entry.Answer.IsCompletedSuccessfully)
        {
            return entry.Previous;
        }

        var known = entry.Answer.Result;
        if (known.ExpiresAt > time.GetTimestamp())
        {
            return known.Product;
        }

        var refresh = Begin(sku, replacing: entry);
        if (known.Product is null)
        {
            entry = refresh;
        }

        return known.Product;
    }

    /// <summary>Starts a lookup unless another request already did; either way, the entry to wait for.</summary>
    private Entry Begin(string sku, Entry? replacing)
    {
        var candidate = new Entry(replacing is { Answer.IsCompletedSuccessfully: true } ? replacing.Answer.Result.Product : null);
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
            var listed = product is null ? null : new ListedProduct(product.Warehouse, product.Price);
            entry.Complete(listed, Deadline(listed is null ? UnknownTtl : KnownTtl));
        }
        catch (Exception exception)
        {
            entries.TryRemove(new KeyValuePair<string, Entry>(sku, entry));
            entry.Fail(exception);
        }
    }

    private long Deadline(TimeSpan ttl) => time.GetTimestamp() + (long)(ttl.TotalSeconds * time.TimestampFrequency);

    private readonly record struct Known(ListedProduct? Product, long ExpiresAt);

    /// <summary>One lookup of a sku; <see cref="Previous"/> is what the entry it replaced knew, answered while it runs.</summary>
    private sealed class Entry(ListedProduct? previous)
    {
        private readonly TaskCompletionSource<Known> source = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public ListedProduct? Previous { get; } = previous;

        public Task<Known> Answer => source.Task;

        public void Complete(ListedProduct? product, long expiresAt) => source.TrySetResult(new Known(product, expiresAt));

        public void Fail(Exception exception) => source.TrySetException(exception);
    }
}
