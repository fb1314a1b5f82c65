using OmniFlow.Tests.Infrastructure;

namespace OmniFlow.Tests.Inventory;

/// <summary>The inventory contract on a real MariaDB: row locks, READ COMMITTED and duplicate-key replays.</summary>
[Collection(MariaDbCollection.Name)]
public sealed class MariaDbInventoryServiceTests(MariaDbDatabase database) : InventoryServiceContract, IClassFixture<MariaDbDatabase>
{
    protected override Task<InventoryHarness> OpenAsync() => Task.FromResult(database.Harness);

    protected override ValueTask CloseAsync(InventoryHarness harness) => ValueTask.CompletedTask;
}
