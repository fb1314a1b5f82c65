using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace OmniFlow.Fulfillment.Persistence;

/// <summary>
/// SQLite: transactions begin IMMEDIATE (Microsoft.Data.Sqlite's default), taking the database's single write lock up
/// front, so reading the rows inside the transaction is as good as locking them.
/// </summary>
public sealed class SqliteOmniFlowDbContext(DbContextOptions<SqliteOmniFlowDbContext> options) : OmniFlowDbContext(options)
{
    public override Task<IDbContextTransaction> BeginWriteTransactionAsync(CancellationToken cancellationToken) =>
        Database.BeginTransactionAsync(cancellationToken);

    public override Task<IDbContextTransaction> BeginSnapshotTransactionAsync(CancellationToken cancellationToken) =>
        Database.BeginTransactionAsync(cancellationToken);

    public override Task<List<Product>> LockProductsAsync(IReadOnlyCollection<string> skus, CancellationToken cancellationToken) =>
        Products.Where(p => skus.Contains(p.Sku)).OrderBy(p => p.Sku).ToListAsync(cancellationToken);

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        // SQLite has no date-time type; binary ticks keep ordering and comparisons in SQL.
        configurationBuilder.Properties<DateTimeOffset>().HaveConversion<DateTimeOffsetToBinaryConverter>();
    }
}
