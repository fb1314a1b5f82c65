using OmniFlow.Fulfillment.Orders;
using OmniFlow.Fulfillment.Shipping;
using OmniFlow.TemporalServer.Hosting;
using OmniFlow.Tests.Orders;
using Temporalio.Client;
using Temporalio.Client.Interceptors;
using Temporalio.Worker;

namespace OmniFlow.Tests.Telemetry;

/// <summary>One in-process OmniFlow.TemporalServer in real time per test class, and order workers to run against it.</summary>
public sealed class TemporalFixture : IAsyncLifetime
{
    private TemporalTestServer? server;

    public async ValueTask InitializeAsync() =>
        server = await TemporalTestServer.StartAsync(new TemporalServerOptions { Port = 0, TimeSkipping = false });

    public async ValueTask DisposeAsync()
    {
        if (server is not null)
        {
            await server.DisposeAsync();
        }
    }

    public async Task<TemporalClient> ConnectAsync(params IClientInterceptor[] interceptors) =>
        await TemporalClient.ConnectAsync(new(server!.TargetAddress) { Interceptors = interceptors });

    /// <summary>
    /// Runs <paramref name="body"/> while an order worker (order and shipment workflows, <paramref name="fakes"/>) and a
    /// gate worker poll. The workers take the client's interceptors, as the real Worker's do.
    /// </summary>
    internal static async Task<T> WithOrderWorkersAsync<T>(
        ITemporalClient client, string taskQueue, OrderActivityFakes fakes, int? maxCachedWorkflows, Func<Task<T>> body)
    {
        var options = new TemporalWorkerOptions(taskQueue)
            .AddWorkflow<OrderWorkflow>()
            .AddWorkflow<ShipmentWorkflow>()
            .AddAllActivities(fakes);
        if (maxCachedWorkflows is { } max)
        {
            options.MaxCachedWorkflows = max;
        }

        using var orders = new TemporalWorker(client, options);
        using var gate = new TemporalWorker(client, new TemporalWorkerOptions($"{taskQueue}-gate").AddAllActivities(new GateActivityFake()));
        var token = TestContext.Current.CancellationToken;
        return await orders.ExecuteAsync(() => gate.ExecuteAsync(body, token), token);
    }

    internal static OrderInput Order(string orderId, string taskQueue, params OrderItem[] items) =>
        new(orderId, "u-1", items, 100m, new OrderWorkflowOptions(
            AuditThreshold: 10_000m,
            AuditTimeout: TimeSpan.FromHours(1),
            PaymentTimeout: TimeSpan.FromMinutes(30),
            GateTaskQueue: $"{taskQueue}-gate",
            ReserveTimeout: TimeSpan.FromSeconds(2)));

    internal static async Task WaitForStatusAsync(WorkflowHandle<OrderWorkflow, OrderResult> handle, OrderStatus status)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while ((await handle.QueryAsync(wf => wf.Status())).Status != status)
        {
            Assert.True(DateTime.UtcNow < deadline, $"the order never reached {status}");
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }
}
