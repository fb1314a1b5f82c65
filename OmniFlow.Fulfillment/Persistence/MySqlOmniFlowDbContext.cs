using System.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace OmniFlow.Fulfillment.Persistence;

/// <summary>MySQL/MariaDB: <c>SELECT ... FOR UPDATE</c> row locks under READ COMMITTED (no gap locks, fewer deadlocks).</summary>
public sealed class MySqlOmniFlowDbContext(DbContextOptions<MySqlOmniFlowDbContext> options) : OmniFlowDbContext(options)
{
    public override Task<IDbContextTransaction> BeginWriteTransactionAsync(CancellationToken cancellationToken) =>
        Database.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken);

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
