using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace OmniFlow.Fulfillment.Persistence;

/// <summary>
/// Lets dotnet-ef build each provider's model without a server. After a model change, add a migration to both sets
/// (dotnet-ef 9.x; DOTNET_ROLL_FORWARD=Major when only a newer runtime is installed):
/// <code>
/// dotnet ef migrations add NAME --project OmniFlow.Fulfillment --context MySqlOmniFlowDbContext \
///   --output-dir Persistence/Migrations/MySql --namespace OmniFlow.Fulfillment.Persistence.Migrations.MySql
/// dotnet ef migrations add NAME --project OmniFlow.Fulfillment --context SqliteOmniFlowDbContext \
///   --output-dir Persistence/Migrations/Sqlite --namespace OmniFlow.Fulfillment.Persistence.Migrations.Sqlite
/// </code>
/// (dotnet-ef 9 writes the model snapshot under a folder named after the namespace; move it next to the migration.)
/// </summary>
internal sealed class MySqlDesignTimeFactory : IDesignTimeDbContextFactory<MySqlOmniFlowDbContext>
{
    public MySqlOmniFlowDbContext CreateDbContext(string[] args) => new(new DbContextOptionsBuilder<MySqlOmniFlowDbContext>()
        .UseMySql("Server=127.0.0.1;Database=omniflow", ServerVersion.Parse(DatabaseSettings.DefaultServerVersion))
        .Options);
}

/// <summary>The SQLite half of <see cref="MySqlDesignTimeFactory"/>.</summary>
internal sealed class SqliteDesignTimeFactory : IDesignTimeDbContextFactory<SqliteOmniFlowDbContext>
{
    public SqliteOmniFlowDbContext CreateDbContext(string[] args) => new(new DbContextOptionsBuilder<SqliteOmniFlowDbContext>()
        .UseSqlite("Data Source=omniflow-design.db")
        .Options);
}
