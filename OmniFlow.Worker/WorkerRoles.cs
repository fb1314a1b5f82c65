using OmniFlow.Fulfillment.Orders;

namespace OmniFlow.Worker;

/// <summary>
/// Which task queues this process serves (<c>Worker:Serves</c>, default <c>orders,inventory</c>): <c>orders</c> runs
/// the workflows and their activities on <c>Temporal:TaskQueue</c>; <c>inventory</c> runs the stock movements on
/// <c>Temporal:InventoryTaskQueue</c>, so they can be scaled apart.
/// </summary>
public sealed record WorkerRoles(bool Orders, bool Inventory)
{
    public const string Setting = "Worker:Serves";

    public static WorkerRoles From(IConfiguration configuration, TemporalSettings temporal)
    {
        var named = (configuration[Setting] ?? "orders,inventory")
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(role => role.ToLowerInvariant())
            .ToHashSet();
        if (named.Count == 0 || named.Except(["orders", "inventory"]).Any())
        {
            throw new InvalidOperationException($"{Setting} lists the queues this worker serves: orders, inventory or both (got '{configuration[Setting]}').");
        }

        var roles = new WorkerRoles(named.Contains("orders"), named.Contains("inventory"));
        if (roles is { Orders: false, Inventory: true } && string.IsNullOrWhiteSpace(temporal.InventoryTaskQueue))
        {
            throw new InvalidOperationException(
                $"{Setting}=inventory needs Temporal:InventoryTaskQueue: without it the order workers run the stock movements themselves.");
        }

        return roles;
    }
}
