using OmniFlow.Fulfillment.Inventory;

namespace OmniFlow.Tests.Inventory;

/// <summary>The Api and the Worker share the default SQLite file: WAL, busy_timeout and BEGIN IMMEDIATE keep it exact.</summary>
public sealed class SqliteSharedFileTests
{
    [Fact]
    public async Task Two_hosts_on_one_file_migrate_and_reserve_without_overselling()
    {
        var cancel = TestContext.Current.CancellationToken;
        var folder = Directory.CreateTempSubdirectory("omniflow-sqlite-").FullName;
        var connectionString = $"Data Source={Path.Combine(folder, "omniflow.db")}";
        try
        {
            var hosts = await Task.WhenAll(InventoryHarness.StartAsync(connectionString), InventoryHarness.StartAsync(connectionString));
            await using var api = hosts[0];
            await using var worker = hosts[1];
            await api.Catalog.UpsertAsync("shared", "Shared", 1m, "SH", 25, cancel);

            var results = await Task.WhenAll(Enumerable.Range(0, 60).Select(i => Task.Run(() =>
                (i % 2 == 0 ? api : worker).Inventory.ReserveAsync($"reserve-{i}", $"ORDER-{i}", [new("shared", 1)], cancel), cancel)));

            Assert.Equal(25, results.Count(r => r.Outcome == StockOutcome.Reserved));
            Assert.Equal(0, await worker.StockAsync("shared"));
            await api.AssertLedgerMatchesStockAsync();
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(folder, recursive: true);
        }
    }
}
