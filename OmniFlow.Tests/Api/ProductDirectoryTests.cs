using OmniFlow.Api.Products;
using OmniFlow.Fulfillment.Inventory;

namespace OmniFlow.Tests.Api;

public sealed class ProductDirectoryTests
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Concurrent_lookups_of_one_sku_query_the_catalog_once()
    {
        var catalog = new GatedCatalog();
        var directory = new ProductDirectory(catalog);

        var lookups = Enumerable.Range(0, 200).Select(_ => directory.FindAsync("phone", Cancellation).AsTask()).ToList();
        catalog.Release.SetResult();
        var products = await Task.WhenAll(lookups);

        Assert.All(products, product => Assert.Equal(new ListedProduct("SH", 1m), product));
        Assert.Equal(1, catalog.Calls);
        Assert.Equal(new ListedProduct("SH", 1m), await directory.FindAsync("phone", Cancellation));
        Assert.Equal(1, catalog.Calls);
    }

    [Fact]
    public async Task A_failed_lookup_is_not_remembered()
    {
        var catalog = new GatedCatalog { FailNext = true };
        var directory = new ProductDirectory(catalog);
        catalog.Release.SetResult();

        await Assert.ThrowsAsync<TimeoutException>(() => directory.FindAsync("phone", Cancellation).AsTask());

        Assert.Equal("SH", (await directory.FindAsync("phone", Cancellation))?.Warehouse);
        Assert.Equal(2, catalog.Calls);
    }

    /// <summary>Answers every sku from warehouse SH once <see cref="Release"/> is set; counts the calls.</summary>
    private sealed class GatedCatalog : IProductCatalog
    {
        private int calls;

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool FailNext { get; set; }

        public int Calls => Volatile.Read(ref calls);

        public async Task<ProductDetails?> GetAsync(string sku, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref calls);
            await Release.Task;
            if (FailNext)
            {
                FailNext = false;
                throw new TimeoutException("the database did not answer");
            }

            return new ProductDetails(sku, "Phone", 1m, "SH", 10, DateTimeOffset.UnixEpoch);
        }

        public Task<ProductDetails> UpsertAsync(string sku, string name, decimal price, string warehouse, int stock, CancellationToken cancellationToken = default) =>
            throw new InvalidOperationException("The directory only reads.");

        public Task<ProductDetails> UpsertAsync(
            string sku, string name, decimal price, string warehouse, int stock, Func<ProductDetails, CancellationToken, Task>? beforeCommit, CancellationToken cancellationToken = default) =>
            throw new InvalidOperationException("The directory only reads.");

        public Task<IReadOnlyList<ProductDetails>> ListAsync(CancellationToken cancellationToken = default) =>
            throw new InvalidOperationException("The directory only reads.");
    }
}
