using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using OmniFlow.Fulfillment.Persistence;

namespace OmniFlow.Tests.Inventory;

public sealed class DatabaseHealthCheckTests
{
    [Fact]
    public async Task The_database_check_reports_a_reachable_and_an_unreachable_database()
    {
        var cancel = TestContext.Current.CancellationToken;
        await using var reachable = await InventoryHarness.InMemorySqliteAsync();
        var unreachableSettings = new DatabaseSettings(
            DatabaseProvider.MySql,
            "Server=127.0.0.1;Port=1;User ID=root;Database=omniflow;Connection Timeout=1",
            Microsoft.EntityFrameworkCore.ServerVersion.Parse(DatabaseSettings.DefaultServerVersion));
        await using var unreachable = new ServiceCollection().AddLogging().AddOmniFlowDatabase(unreachableSettings).BuildServiceProvider();

        var healthy = await reachable.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync(cancel);
        var unhealthy = await unreachable.GetRequiredService<HealthCheckService>().CheckHealthAsync(cancel);

        Assert.Equal(HealthStatus.Healthy, healthy.Entries[DatabaseSettings.ConnectionName].Status);
        Assert.Equal(HealthStatus.Unhealthy, unhealthy.Entries[DatabaseSettings.ConnectionName].Status);
    }
}
