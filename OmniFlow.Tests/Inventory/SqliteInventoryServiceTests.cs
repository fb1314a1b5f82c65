namespace OmniFlow.Tests.Inventory;

/// <summary>The inventory contract on an in-memory SQLite database per test.</summary>
public sealed class SqliteInventoryServiceTests : InventoryServiceContract
{
    protected override Task<InventoryHarness> OpenAsync() => InventoryHarness.InMemorySqliteAsync();

    protected override ValueTask CloseAsync(InventoryHarness harness) => harness.DisposeAsync();
}
