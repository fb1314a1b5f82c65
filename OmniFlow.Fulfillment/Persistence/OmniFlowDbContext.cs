using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace OmniFlow.Fulfillment.Persistence;

/// <summary>
/// The OmniFlow model. One subclass per provider owns that provider's migrations and its way of taking write locks,
/// so the code that uses the database stays on one path.
/// </summary>
public abstract class OmniFlowDbContext(DbContextOptions options) : DbContext(options)
{
    public DbSet<Product> Products => Set<Product>();

    public DbSet<Order> Orders => Set<Order>();

    public DbSet<OrderLine> OrderLines => Set<OrderLine>();

    public DbSet<IdempotencyRecord> IdempotencyRecords => Set<IdempotencyRecord>();

    public DbSet<InventoryLedgerEntry> InventoryLedger => Set<InventoryLedgerEntry>();

    public DbSet<ReconciliationRun> ReconciliationRuns => Set<ReconciliationRun>();

    public DbSet<ReconciliationCorrection> ReconciliationCorrections => Set<ReconciliationCorrection>();

    public DbSet<NotificationDelivery> NotificationDeliveries => Set<NotificationDelivery>();

    /// <summary>Starts a transaction whose writes are serialised by row locks (MySQL) or the single-writer lock (SQLite).</summary>
    public abstract Task<IDbContextTransaction> BeginWriteTransactionAsync(CancellationToken cancellationToken);

    /// <summary>Starts a transaction whose reads all see the database as of its first read.</summary>
    public abstract Task<IDbContextTransaction> BeginSnapshotTransactionAsync(CancellationToken cancellationToken);

    /// <summary>Reads the products named by <paramref name="skus"/>, locking them in sku order until the transaction ends.</summary>
    public abstract Task<List<Product>> LockProductsAsync(IReadOnlyCollection<string> skus, CancellationToken cancellationToken);

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<Product>(product =>
        {
            product.HasKey(p => p.Sku);
            product.Property(p => p.Sku).HasMaxLength(64);
            product.Property(p => p.Name).HasMaxLength(200);
            product.Property(p => p.Price).HasPrecision(18, 2);
            product.Property(p => p.Warehouse).HasMaxLength(64);
            product.Property(p => p.Version).IsConcurrencyToken();
        });

        modelBuilder.Entity<Order>(order =>
        {
            order.HasKey(o => o.Id);
            order.Property(o => o.Id).HasMaxLength(64);
            order.Property(o => o.UserId).HasMaxLength(128);
            order.Property(o => o.Amount).HasPrecision(18, 2);
            order.Property(o => o.Status).HasMaxLength(32);
            order.Property(o => o.IdempotencyKey).HasMaxLength(200);
            order.HasIndex(o => o.IdempotencyKey).IsUnique();
            order.HasIndex(o => o.Status);
            order.HasMany(o => o.Lines).WithOne().HasForeignKey(l => l.OrderId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<OrderLine>(line =>
        {
            line.HasKey(l => new { l.OrderId, l.Sku });
            line.Property(l => l.Sku).HasMaxLength(64);
            line.Property(l => l.Warehouse).HasMaxLength(64);
            line.HasIndex(l => l.Sku);
        });

        modelBuilder.Entity<IdempotencyRecord>(record =>
        {
            record.HasKey(r => r.Key);
            record.Property(r => r.Key).HasMaxLength(200);
            record.Property(r => r.Operation).HasMaxLength(64);
        });

        modelBuilder.Entity<InventoryLedgerEntry>(entry =>
        {
            entry.ToTable("InventoryLedger");
            entry.HasKey(e => e.Id);
            entry.Property(e => e.OrderId).HasMaxLength(64);
            entry.Property(e => e.Sku).HasMaxLength(64);
            entry.Property(e => e.Kind).HasConversion<string>().HasMaxLength(16);
            entry.Property(e => e.IdempotencyKey).HasMaxLength(200);
            entry.HasIndex(e => e.OrderId);
            entry.HasIndex(e => e.Sku);
        });

        modelBuilder.Entity<ReconciliationRun>(run =>
        {
            run.HasKey(r => r.Id);
            run.Property(r => r.Id).HasMaxLength(200);
            run.Property(r => r.Status).HasMaxLength(16);
            run.HasIndex(r => r.ActiveSlot).IsUnique();
            run.HasIndex(r => r.StartedAt);
            run.HasMany(r => r.Corrections).WithOne().HasForeignKey(c => c.RunId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<ReconciliationCorrection>(correction =>
        {
            correction.HasKey(c => c.Id);
            correction.Property(c => c.Sku).HasMaxLength(64);
            correction.Property(c => c.OrderId).HasMaxLength(64);
            correction.Property(c => c.Target).HasMaxLength(16);
            correction.Property(c => c.Entry).HasMaxLength(8);
            correction.Property(c => c.Reason).HasMaxLength(500);
        });

        modelBuilder.Entity<NotificationDelivery>(delivery =>
        {
            delivery.HasKey(d => new { d.EventId, d.Target });
            delivery.Property(d => d.EventId).HasMaxLength(400);
            delivery.Property(d => d.Target).HasMaxLength(32);
            delivery.Property(d => d.OrderId).HasMaxLength(64);
            delivery.Property(d => d.EventType).HasMaxLength(32);
            delivery.Property(d => d.Channel).HasMaxLength(16);
            delivery.Property(d => d.Status).HasMaxLength(16);
            delivery.Property(d => d.LastError).HasMaxLength(500);
            delivery.HasIndex(d => d.OrderId);
        });
    }
}
