using OmniFlow.Api.Products;
using Microsoft.Extensions.Time.Testing;
using OmniFlow.Fulfillment.Inventory;
using OmniFlow.Tests.AppHost;

namespace OmniFlow.Tests.Api;

public sealed class ProductDirectoryTests
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Concurrent_lookups_of_one_sku_query_the_catalog_once()
    {
        var catalog = new GatedCatalog();
        var directory = new ProductDirectory(catalog, TimeProvider.System);

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
        var directory = new ProductDirectory(catalog, TimeProvider.System);
        catalog.Release.SetResult();

        await Assert.ThrowsAsync<TimeoutException>(() => directory.FindAsync("phone", Cancellation).AsTask());

        Assert.Equal("SH", (await directory.FindAsync("phone", Cancellation))?.Warehouse);
        Assert.Equal(2, catalog.Calls);
    }

    [Fact]
    public async Task While_a_stale_known_sku_is_looked_up_again_every_lookup_keeps_its_old_answer_without_waiting()
    {
        var time = new FakeTimeProvider();
        var catalog = new GatedCatalog();
        var directory = new ProductDirectory(catalog, time);
        catalog.Release.SetResult();
        Assert.Equal(1m, (await directory.FindAsync("phone", Cancellation))?.Price);

        catalog.Release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        catalog.Price = 2m;
        time.Advance(TimeSpan.FromSeconds(31));
        var lookups = Enumerable.Range(0, 100).Select(_ => directory.FindAsync("phone", Cancellation)).ToList();

        Assert.All(lookups, lookup => Assert.Equal(1m, lookup.IsCompletedSuccessfully ? lookup.Result?.Price : null));
        Assert.Equal(1m, directory.FindKnown("phone")?.Price);
        Assert.Equal(2, catalog.Calls);

        catalog.Release.SetResult();
        await ProcessProbe.WaitUntilAsync(() => directory.FindKnown("phone")?.Price == 2m, TimeSpan.FromSeconds(5), "the refreshed price is known");
        Assert.Equal(2, catalog.Calls);
    }

    [Fact]
    public async Task A_stale_unknown_sku_is_looked_up_again_rather_than_answered_from_memory()
    {
        var time = new FakeTimeProvider();
        var catalog = new GatedCatalog { Missing = true };
        var directory = new ProductDirectory(catalog, time);
        catalog.Release.SetResult();
        Assert.Null(await directory.FindAsync("phone", Cancellation));

        catalog.Missing = false;
        Assert.Null(await directory.FindAsync("phone", Cancellation));
        time.Advance(TimeSpan.FromSeconds(2));
        Assert.Null(directory.FindKnown("phone"));

        Assert.Equal("SH", (await directory.FindAsync("phone", Cancellation))?.Warehouse);
        Assert.Equal(2, catalog.Calls);
    }

    /// <summary>Answers every sku (unless <see cref="Missing"/>) from warehouse SH at <see cref="Price"/> once <see cref="Release"/> is set; counts the calls.</summary>
    private sealed class GatedCatalog : IProductCatalog
    {
        private int calls;

        public TaskCompletionSource Release { get; set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool FailNext { get; set; }

        public bool Missing { get; set; }

        public decimal Price { get; set; } = 1m;

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

            return Missing ? null : new ProductDetails(sku, "Phone", Price, "SH", 10, DateTimeOffset.UnixEpoch);
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
