using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OmniFlow.Fulfillment.Inventory;
using OmniFlow.Fulfillment.Persistence;

namespace OmniFlow.Tests.Inventory;

/// <summary>The persistence services wired as the Api and Worker wire them, over a migrated database.</summary>
public sealed class InventoryHarness : IAsyncDisposable
{
    private readonly ServiceProvider services;
    private readonly SqliteConnection? keepAlive;

    private InventoryHarness(ServiceProvider services, SqliteConnection? keepAlive)
    {
        this.services = services;
        this.keepAlive = keepAlive;
    }

    public IServiceProvider Services => services;

    public IInventoryService Inventory => services.GetRequiredService<IInventoryService>();

    public IProductCatalog Catalog => services.GetRequiredService<IProductCatalog>();

    public IOrderStore Orders => services.GetRequiredService<IOrderStore>();

    public IDbContextFactory<OmniFlowDbContext> Contexts => services.GetRequiredService<IDbContextFactory<OmniFlowDbContext>>();

    /// <summary>A private in-memory SQLite database that lives as long as the harness holds a connection to it.</summary>
    public static async Task<InventoryHarness> InMemorySqliteAsync()
    {
        var connectionString = $"Data Source=omniflow-{Guid.NewGuid():N};Mode=Memory;Cache=Shared";
        var keepAlive = new SqliteConnection(connectionString);
        await keepAlive.OpenAsync();
        return await StartAsync(new DatabaseSettings(DatabaseProvider.Sqlite, connectionString, null), keepAlive);
    }

    public static Task<InventoryHarness> StartAsync(string connectionString) =>
        StartAsync(connectionString.StartsWith("Data Source=", StringComparison.OrdinalIgnoreCase)
            ? new DatabaseSettings(DatabaseProvider.Sqlite, connectionString, null)
            : new DatabaseSettings(DatabaseProvider.MySql, connectionString, ServerVersion.Parse(DatabaseSettings.DefaultServerVersion)), keepAlive: null);

    private static async Task<InventoryHarness> StartAsync(DatabaseSettings settings, SqliteConnection? keepAlive)
    {
        var services = new ServiceCollection().AddLogging().AddOmniFlowDatabase(settings).BuildServiceProvider();
        await services.MigrateOmniFlowDatabaseAsync(TestContext.Current.CancellationToken);
        return new InventoryHarness(services, keepAlive);
    }

    public async Task<int> StockAsync(string sku) =>
        (await Catalog.GetAsync(sku, TestContext.Current.CancellationToken))?.AvailableStock
        ?? throw new InvalidOperationException($"No product {sku}");

    public async Task<List<InventoryLedgerEntry>> LedgerAsync(string? sku = null)
    {
        await using var context = await Contexts.CreateDbContextAsync(TestContext.Current.CancellationToken);
        return await context.InventoryLedger.AsNoTracking()
            .Where(e => sku == null || e.Sku == sku)
            .OrderBy(e => e.Id)
            .ToListAsync(TestContext.Current.CancellationToken);
    }

    /// <summary>The invariant of record: every product's available stock is the sum of its ledger.</summary>
    public async Task AssertLedgerMatchesStockAsync()
    {
        var ledger = await LedgerAsync();
        var products = await Catalog.ListAsync(TestContext.Current.CancellationToken);
        Assert.NotEmpty(products);
        foreach (var product in products)
        {
            Assert.Equal(product.AvailableStock, ledger.Where(e => e.Sku == product.Sku).Sum(e => e.QuantityDelta));
        }
    }

    public async ValueTask DisposeAsync()
    {
        await services.DisposeAsync();
        if (keepAlive is not null)
        {
            await keepAlive.DisposeAsync();
        }
    }
}
