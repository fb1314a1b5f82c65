using System.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using MySqlConnector;

namespace OmniFlow.Fulfillment.Persistence;

/// <summary>
/// MySQL/MariaDB: <c>SELECT ... FOR UPDATE</c> row locks under READ COMMITTED (no gap locks, fewer deadlocks); snapshot
/// reads under REPEATABLE READ. Every transaction names its isolation level, so no session state matters between uses
/// of a pooled connection.
/// </summary>
public sealed class MySqlOmniFlowDbContext(DbContextOptions<MySqlOmniFlowDbContext> options) : OmniFlowDbContext(options)
{
    /// <summary>
    /// <paramref name="configured"/> with <c>ConnectionReset=false</c> unless it sets it: a connection taken from the pool
    /// is then used as it is, without the reset and the charset statement after it (two round trips per transaction).
    /// </summary>
    public static string PooledConnectionString(string configured)
    {
        var connection = new MySqlConnectionStringBuilder(configured);
        if (!connection.ContainsKey("ConnectionReset"))
        {
            connection.ConnectionReset = false;
        }

        return connection.ConnectionString;
    }

    public override Task<IDbContextTransaction> BeginWriteTransactionAsync(CancellationToken cancellationToken) =>
        Database.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken);

    public override Task<IDbContextTransaction> BeginSnapshotTransactionAsync(CancellationToken cancellationToken) =>
        Database.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken);

    public override Task<List<Product>> LockProductsAsync(IReadOnlyCollection<string> skus, CancellationToken cancellationToken)
    {
        // One statement; InnoDB walks the primary key in order, so every locker takes the rows in the same order.
        // The skus travel as parameters {0}..{n}; only their placeholders are spliced into the statement.
        var placeholders = string.Join(", ", skus.Select((_, index) => "{" + index + "}"));
        var sql = "SELECT * FROM `Products` WHERE `Sku` IN (" + placeholders + ") ORDER BY `Sku` FOR UPDATE";
        return Products
            .FromSqlRaw(sql, [.. skus])
            .ToListAsync(cancellationToken);
    }

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        base.OnModelCreating(modelBuilder);

        // Binary collation: skus and keys compare exactly as they do in SQLite and in C#.
        modelBuilder.HasCharSet("utf8mb4").UseCollation("utf8mb4_bin");
    }
}
