using OmniFlow.Tests.Infrastructure;

namespace OmniFlow.Tests.Inventory;

/// <summary>A fresh, migrated database on the shared MariaDB server for one test class.</summary>
public sealed class MariaDbDatabase(MariaDbServer server) : IAsyncLifetime
{
    private InventoryHarness? harness;

    public string ConnectionString { get; private set; } = string.Empty;

    /// <summary>The harness, or a skip (a failure under OMNIFLOW_REQUIRE_SERVICES=1) when MariaDB is unavailable.</summary>
    public InventoryHarness Harness
    {
        get
        {
            if (server.UnavailableReason is { } reason)
            {
                RequiredServices.Unavailable(reason);
            }

            return harness!;
        }
    }

    public async ValueTask InitializeAsync()
    {
        if (server.UnavailableReason is not null)
        {
            return;
        }

        ConnectionString = await server.CreateDatabaseAsync();
        harness = await InventoryHarness.StartAsync(ConnectionString);
    }

    public async ValueTask DisposeAsync()
    {
        if (harness is not null)
        {
            await harness.DisposeAsync();
        }
    }
}
