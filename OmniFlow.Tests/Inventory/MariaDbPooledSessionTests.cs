using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using MySqlConnector;
using OmniFlow.Fulfillment.Persistence;
using OmniFlow.Tests.Infrastructure;

namespace OmniFlow.Tests.Inventory;

/// <summary>
/// Pooled connections are reused as they are (no reset round trips), so nothing a transaction relies on may come from
/// the session: each names its isolation level, whatever the connection ran before.
/// </summary>
[Collection(MariaDbCollection.Name)]
public sealed class MariaDbPooledSessionTests(MariaDbServer server)
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public void The_pool_skips_the_reset_unless_the_connection_string_asks_for_it()
    {
        var pooled = new MySqlConnectionStringBuilder(MySqlOmniFlowDbContext.PooledConnectionString("Server=db;Database=omniflow"));
        var asked = new MySqlConnectionStringBuilder(MySqlOmniFlowDbContext.PooledConnectionString("Server=db;Database=omniflow;Connection Reset=true"));

        Assert.False(pooled.ConnectionReset);
        Assert.Equal(("db", "omniflow"), (pooled.Server, pooled.Database));
        Assert.True(asked.ConnectionReset);
    }

    [Fact]
    public async Task One_session_serves_write_and_snapshot_transactions_each_at_its_own_isolation_level()
    {
        if (server.UnavailableReason is { } reason)
        {
            RequiredServices.Unavailable(reason);
            return;
        }

        // One connection in the pool: every context below runs on the same server session.
        var connectionString = new MySqlConnectionStringBuilder(await server.CreateDatabaseAsync()) { MaximumPoolSize = 1 }.ConnectionString;
        await using var harness = await InventoryHarness.StartAsync(connectionString);

        var write = await InTransactionAsync(harness, context => context.BeginWriteTransactionAsync(Cancel), "SET @omniflow_probe = 42");
        var snapshot = await InTransactionAsync(harness, context => context.BeginSnapshotTransactionAsync(Cancel), null);
        var writeAgain = await InTransactionAsync(harness, context => context.BeginWriteTransactionAsync(Cancel), null);

        Assert.Equal(("READ-COMMITTED", "42"), (write.Isolation, write.Probe));
        // The session variable outlived its transaction's use of the connection (no reset), the isolation level did not.
        Assert.Equal(("REPEATABLE-READ", "42"), (snapshot.Isolation, snapshot.Probe));
        Assert.Equal("READ-COMMITTED", writeAgain.Isolation);
    }

    private static async Task<(string Isolation, string Probe)> InTransactionAsync(
        InventoryHarness harness, Func<OmniFlowDbContext, Task<IDbContextTransaction>> begin, string? statement)
    {
        await using var context = await harness.Contexts.CreateDbContextAsync(Cancel);
        await using var transaction = await begin(context);
        if (statement is not null)
        {
            await ScalarAsync(context, transaction, statement);
        }

        var isolation = await ScalarAsync(context, transaction, "SELECT @@tx_isolation");
        var probe = await ScalarAsync(context, transaction, "SELECT @omniflow_probe");
        await transaction.CommitAsync(Cancel);
        return (isolation, probe);
    }

    private static async Task<string> ScalarAsync(OmniFlowDbContext context, IDbContextTransaction transaction, string sql)
    {
        await using DbCommand command = context.Database.GetDbConnection().CreateCommand();
        command.Transaction = transaction.GetDbTransaction();
        command.CommandText = sql;
        return Convert.ToString(await command.ExecuteScalarAsync(Cancel), System.Globalization.CultureInfo.InvariantCulture) ?? "";
    }
}
