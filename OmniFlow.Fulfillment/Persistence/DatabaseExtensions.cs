using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using OmniFlow.Fulfillment.Inventory;

namespace OmniFlow.Fulfillment.Persistence;

public static class DatabaseExtensions
{
    /// <summary>
    /// Registers the database of record (see <see cref="DatabaseSettings"/>): a pooled
    /// <see cref="IDbContextFactory{OmniFlowDbContext}"/>, <see cref="IInventoryService"/>, <see cref="IProductCatalog"/>,
    /// <see cref="IOrderStore"/>, the pieces they share and the "omniflowdb" health check.
    /// </summary>
    public static IHostApplicationBuilder AddOmniFlowDatabase(this IHostApplicationBuilder builder)
    {
        var settings = DatabaseSettings.From(builder.Configuration, builder.Environment.ContentRootPath);
        builder.Services.AddOmniFlowDatabase(settings);
        return builder;
    }

    public static IServiceCollection AddOmniFlowDatabase(this IServiceCollection services, DatabaseSettings settings)
    {
        services.AddSingleton(settings);
        if (settings.Provider == DatabaseProvider.Sqlite)
        {
            services.AddPooledDbContextFactory<SqliteOmniFlowDbContext>(options => options
                .UseSqlite(settings.ConnectionString)
                .AddInterceptors(SqliteConnectionPragmas.Instance));
            services.AddSingleton<IDbContextFactory<OmniFlowDbContext>, OmniFlowDbContextFactory<SqliteOmniFlowDbContext>>();
        }
        else
        {
            // No EnableRetryOnFailure: it cannot wrap user transactions. DatabaseTransactionRunner retries whole transactions.
            services.AddPooledDbContextFactory<MySqlOmniFlowDbContext>(options => options
                .UseMySql(MySqlOmniFlowDbContext.PooledConnectionString(settings.ConnectionString), settings.ServerVersion));
            services.AddSingleton<IDbContextFactory<OmniFlowDbContext>, OmniFlowDbContextFactory<MySqlOmniFlowDbContext>>();
        }

        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<DatabaseTransactionRunner>();
        services.AddSingleton<IdempotentOperation>();
        services.AddSingleton<DatabaseMigrator>();
        services.AddSingleton<IInventoryService, InventoryService>();
        services.AddSingleton<IProductCatalog, ProductCatalog>();
        services.AddSingleton<IOrderStore, OrderStore>();
        services.AddHealthChecks().AddCheck<DatabaseHealthCheck>(DatabaseSettings.ConnectionName, tags: ["ready"]);
        return services;
    }

    /// <summary>Applies pending migrations; safe to call from the Api and the Worker at once.</summary>
    public static Task MigrateOmniFlowDatabaseAsync(this IServiceProvider services, CancellationToken cancellationToken = default) =>
        services.GetRequiredService<DatabaseMigrator>().MigrateAsync(cancellationToken);
}
