using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using MySqlConnector;
using OmniFlow.Fulfillment.Inventory;
using OmniFlow.Fulfillment.Persistence;
using OmniFlow.Tests.Infrastructure;

namespace OmniFlow.Tests.Inventory;

/// <summary>Real server errors are told apart: retry deadlocks, lock timeouts and lost connections; replay duplicates.</summary>
[Collection(MariaDbCollection.Name)]
public sealed class MariaDbErrorTests(MariaDbServer server, MariaDbDatabase database) : IClassFixture<MariaDbDatabase>
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_deadlock_is_transient()
    {
        await using var first = await OpenAsync();
        await using var second = await OpenAsync();
        var table = await CreateProbeTableAsync(first);
        await using var firstTransaction = await first.BeginTransactionAsync(Cancel);
        await using var secondTransaction = await second.BeginTransactionAsync(Cancel);
        await ExecuteAsync(first, $"UPDATE {table} SET v = 1 WHERE id = 1", firstTransaction);
        await ExecuteAsync(second, $"UPDATE {table} SET v = 1 WHERE id = 2", secondTransaction);

        var crossed = await Task.WhenAll(
            Capture(() => ExecuteAsync(first, $"UPDATE {table} SET v = 2 WHERE id = 2", firstTransaction)),
            Capture(() => ExecuteAsync(second, $"UPDATE {table} SET v = 2 WHERE id = 1", secondTransaction)));

        var victim = Assert.Single(crossed.OfType<Exception>());
        Assert.Equal(MySqlErrorCode.LockDeadlock, Assert.IsType<MySqlException>(victim).ErrorCode);
        Assert.True(DatabaseErrors.IsTransient(victim));
        Assert.False(DatabaseErrors.IsDuplicateKey(victim));
    }

    [Fact]
    public async Task A_lock_wait_timeout_is_transient()
    {
        await using var holder = await OpenAsync();
        await using var waiter = await OpenAsync();
        var table = await CreateProbeTableAsync(holder);
        await using var held = await holder.BeginTransactionAsync(Cancel);
        await ExecuteAsync(holder, $"SELECT * FROM {table} WHERE id = 1 FOR UPDATE", held);
        await ExecuteAsync(waiter, "SET SESSION innodb_lock_wait_timeout = 1");
        await using var waiting = await waiter.BeginTransactionAsync(Cancel);

        var timeout = await Capture(() => ExecuteAsync(waiter, $"SELECT * FROM {table} WHERE id = 1 FOR UPDATE", waiting));

        Assert.Equal(MySqlErrorCode.LockWaitTimeout, Assert.IsType<MySqlException>(timeout).ErrorCode);
        Assert.True(DatabaseErrors.IsTransient(timeout!));
    }

    [Fact]
    public async Task A_duplicate_key_is_not_transient()
    {
        await using var connection = await OpenAsync();
        var table = await CreateProbeTableAsync(connection);

        var duplicate = await Capture(() => ExecuteAsync(connection, $"INSERT INTO {table} (id, v) VALUES (1, 0)"));

        Assert.True(DatabaseErrors.IsDuplicateKey(duplicate!));
        Assert.False(DatabaseErrors.IsTransient(duplicate!));
    }

    [Fact]
    public async Task A_reservation_outwaits_a_lock_held_past_the_lock_wait_timeout_by_retrying()
    {
        await using var admin = await OpenAsync();
        await ExecuteAsync(admin, "SET GLOBAL innodb_lock_wait_timeout = 1");
        try
        {
            var connectionString = await server.CreateDatabaseAsync();
            await using var db = await InventoryHarness.StartAsync(connectionString);
            await db.Catalog.UpsertAsync("held", "Held", 1m, "SH", 5, Cancel);
            await using var holder = new MySqlConnection(connectionString);
            await holder.OpenAsync(Cancel);
            await using var held = await holder.BeginTransactionAsync(Cancel);
            await ExecuteAsync(holder, "SELECT * FROM `Products` WHERE `Sku` = 'held' FOR UPDATE", held);
            using var retries = new RetryCounter();

            var reservation = db.Inventory.ReserveAsync("reserve-held", "ORDER-held", [new("held", 2)], Cancel);
            await Task.Delay(TimeSpan.FromSeconds(2.5), Cancel);
            await held.CommitAsync(Cancel);
            var result = await reservation;

            Assert.Equal(StockOutcome.Reserved, result.Outcome);
            Assert.True(retries.Retries >= 1, $"expected a retry, saw {retries.Retries}");
            Assert.Equal(3, await db.StockAsync("held"));
            Assert.Single(await db.LedgerAsync("held"), e => e.Kind == Fulfillment.Persistence.LedgerKind.Reserve);
            await db.AssertLedgerMatchesStockAsync();
        }
        finally
        {
            await ExecuteAsync(admin, "SET GLOBAL innodb_lock_wait_timeout = 50");
        }
    }

    [Fact]
    public async Task An_unreachable_database_surfaces_as_a_transient_inventory_exception()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var closedPort = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var settings = new DatabaseSettings(
            DatabaseProvider.MySql,
            $"Server=127.0.0.1;Port={closedPort};User ID=root;Database=omniflow;Connection Timeout=2",
            Microsoft.EntityFrameworkCore.ServerVersion.Parse(DatabaseSettings.DefaultServerVersion));
        await using var services = new ServiceCollection().AddLogging().AddOmniFlowDatabase(settings).BuildServiceProvider();
        var inventory = services.GetRequiredService<IInventoryService>();

        await Assert.ThrowsAsync<DatabaseBusyException>(() =>
            inventory.ReserveAsync("reserve-unreachable", "ORDER-unreachable", [new("phone", 1)], Cancel));
    }

    private async Task<MySqlConnection> OpenAsync()
    {
        _ = database.Harness;
        var connection = new MySqlConnection(database.ConnectionString);
        await connection.OpenAsync(Cancel);
        return connection;
    }

    private static async Task<string> CreateProbeTableAsync(MySqlConnection connection)
    {
        var table = $"probe_{Guid.NewGuid():N}";
        await ExecuteAsync(connection, $"CREATE TABLE {table} (id INT PRIMARY KEY, v INT NOT NULL) ENGINE=InnoDB");
        await ExecuteAsync(connection, $"INSERT INTO {table} (id, v) VALUES (1, 0), (2, 0)");
        return table;
    }

    private static async Task ExecuteAsync(MySqlConnection connection, string sql, MySqlTransaction? transaction = null)
    {
        await using var command = new MySqlCommand(sql, connection, transaction);
        await command.ExecuteNonQueryAsync(Cancel);
    }

    private static async Task<Exception?> Capture(Func<Task> action)
    {
        try
        {
            await action();
            return null;
        }
        catch (MySqlException exception)
        {
            return exception;
        }
    }
}
