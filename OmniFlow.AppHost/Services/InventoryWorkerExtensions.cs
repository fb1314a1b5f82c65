namespace OmniFlow.AppHost.Services;

/// <summary>
/// Order workers and inventory workers scaled apart: with <c>AppHost:InventoryWorkers</c> = N &gt; 0 the stock movements
/// (reserve, release) run on <see cref="TaskQueue"/> in N replicas of their own, and the order worker serves the order
/// queue only. With 0 (the default) one worker serves both, the reservation a local activity of the order's workflow.
/// </summary>
public static class InventoryWorkerExtensions
{
    public const string ReplicasSetting = "AppHost:InventoryWorkers";

    public const string TaskQueue = "omniflow-inventory";

    /// <summary>The inventory workers, or null when the order worker serves both queues.</summary>
    public static IResourceBuilder<ProjectResource>? AddInventoryWorkers<TProject>(
        this IDistributedApplicationBuilder builder, string name, IResourceBuilder<ProjectResource> orderWorker)
        where TProject : IProjectMetadata, new()
    {
        var replicas = builder.Configuration.GetValue(ReplicasSetting, 0);
        if (replicas < 0)
        {
            throw new InvalidOperationException($"{ReplicasSetting} is a number of replicas, 0 or more (got {replicas}).");
        }

        if (replicas == 0)
        {
            return null;
        }

        orderWorker.WithEnvironment("Worker__Serves", "orders").WithInventoryTaskQueue();
        return builder.AddProject<TProject>(name)
            .WithEnvironment("Worker__Serves", "inventory")
            .WithInventoryTaskQueue()
            // DCP gives each replica a port of its own behind one proxied endpoint; the health check goes through it.
            .WithHttpEndpoint(targetPort: builder.ExecutionContext.IsPublishMode ? ServiceExtensions.ContainerHttpPort : null)
            .WithHttpHealthCheck("/health")
            .WithReplicas(replicas);
    }

    /// <summary>Order workflows started or run by this project send their stock movements to the inventory workers.</summary>
    public static IResourceBuilder<ProjectResource> WithInventoryTaskQueue(this IResourceBuilder<ProjectResource> builder) =>
        builder.WithEnvironment("Temporal__InventoryTaskQueue", TaskQueue);
}
