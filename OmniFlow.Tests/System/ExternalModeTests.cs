using MySqlConnector;
using OmniFlow.AppHost.Local;
using OmniFlow.TemporalServer.Hosting;
using OmniFlow.Tests.Infrastructure;

namespace OmniFlow.Tests.WholeSystem;

/// <summary>Private redis-server and mariadbd and an in-process OmniFlow.TemporalServer, handed to the AppHost by address.</summary>
public sealed class ExternalServicesFixture : IAsyncLifetime
{
    private readonly MariaDbServer mariaDb = new();
    private TemporalTestServer? temporal;

    public RedisServer Redis { get; } = new();

    public string? UnavailableReason { get; private set; }

    public string DatabaseConnectionString { get; private set; } = string.Empty;

    public string TemporalAddress => temporal!.TargetAddress;

    public OmniFlowSystem System { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        await Redis.InitializeAsync();
        await mariaDb.InitializeAsync();
        UnavailableReason = RequiredServices.FindBinary("redis-server") is null ? "redis-server is not installed" : mariaDb.UnavailableReason;
        if (UnavailableReason is not null)
        {
            return;
        }

        DatabaseConnectionString = await mariaDb.CreateDatabaseAsync();
        temporal = await TemporalTestServer.StartAsync(new TemporalServerOptions { Port = 0, TimeSkipping = false });
        System = await OmniFlowSystem.StartAsync(
        [
            $"--ConnectionStrings:redis={Redis.ConnectionString}",
            $"--ConnectionStrings:omniflowdb={DatabaseConnectionString}",
            $"--Temporal:Address={TemporalAddress}",
        ], CancellationToken.None);
    }

    public async ValueTask DisposeAsync()
    {
        if (System is not null)
        {
            await System.DisposeAsync();
        }

        if (temporal is not null)
        {
            await temporal.DisposeAsync();
        }

        await mariaDb.DisposeAsync();
        await Redis.DisposeAsync();
    }

    /// <summary>Skips (or fails) the calling test when a private server could not be started.</summary>
    public void EnsureAvailable()
    {
        Redis.EnsureAvailable();
        if (UnavailableReason is not null)
        {
            RequiredServices.Unavailable(UnavailableReason);
        }
    }
}

/// <summary>Every backing service configured externally: the AppHost starts none of them and the order lands in that MariaDB.</summary>
[Collection(WholeSystemCollection.Name)]
public sealed class ExternalModeTests(ExternalServicesFixture fixture) : IClassFixture<ExternalServicesFixture>
{
    [Fact]
    public void Every_backing_service_is_external_and_only_the_projects_run()
    {
        fixture.EnsureAvailable();
        var system = fixture.System;

        Assert.Equal($"ConnectionStrings:redis = 127.0.0.1:{fixture.Redis.Port}", system.ModeOf("redis")?.Description);
        Assert.StartsWith("ConnectionStrings:omniflowdb = Server=127.0.0.1;", system.ModeOf("omniflowdb")?.Description);
        Assert.DoesNotContain("Password=omniflow", system.ModeOf("omniflowdb")!.Description, StringComparison.Ordinal);
        Assert.Equal($"Temporal:Address = {fixture.TemporalAddress}", system.ModeOf("temporal")?.Description);
        Assert.All(["redis", "omniflowdb", "temporal"], name => Assert.Equal(ServiceMode.External, system.ModeOf(name)?.Mode));
        Assert.Equal(["worker", "api"], system.Model.Resources.Where(resource => system.ProcessId(resource.Name) is not null).Select(resource => resource.Name));
    }

    [Fact]
    public async Task An_order_works_end_to_end_and_is_stored_in_the_external_MariaDB()
    {
        fixture.EnsureAvailable();
        var orders = new OrderApi(fixture.System.CreateHttpClient("api"));

        var order = await orders.OrderAndPayAsync();

        await using var connection = new MySqlConnection(fixture.DatabaseConnectionString);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = new MySqlCommand("SELECT Status FROM Orders WHERE Id = @id", connection);
        command.Parameters.AddWithValue("@id", order);
        Assert.Equal("COMPLETED", await command.ExecuteScalarAsync(TestContext.Current.CancellationToken));
    }
}
