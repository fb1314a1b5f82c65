using System.Net;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using OmniFlow.AppHost.Local;
using OmniFlow.Tests.AppHost;
using OmniFlow.Tests.Infrastructure;

namespace OmniFlow.Tests.WholeSystem;

/// <summary>The system with this machine's redis-server and mariadbd (local binaries) and OmniFlow.TemporalServer.</summary>
public sealed class LocalBinariesSystemFixture : IAsyncLifetime
{
    public static readonly TimeSpan PaymentTimeout = TimeSpan.FromSeconds(20);

    /// <summary>How long a payment waits for a worker before its 503 (the tests kill the worker).</summary>
    public static readonly TimeSpan UpdateTimeout = TimeSpan.FromSeconds(3);

    /// <summary>The stock movements run on inventory workers of their own, in replicas (the tests kill one).</summary>
    public const int InventoryWorkers = 2;

    public OmniFlowSystem? System { get; private set; }

    public string? UnavailableReason { get; private set; }

    public async ValueTask InitializeAsync()
    {
        UnavailableReason = RequiredServices.FindBinary("redis-server") is null ? "redis-server is not installed"
            : RequiredServices.FindBinary("mariadbd") is null ? "mariadbd is not installed" : null;
        if (UnavailableReason is null)
        {
            System = await OmniFlowSystem.StartAsync(
                [$"--Orders:PaymentTimeout={PaymentTimeout}", $"--Orders:UpdateTimeout={UpdateTimeout}", $"--AppHost:InventoryWorkers={InventoryWorkers}"],
                CancellationToken.None);
        }
    }

    public OmniFlowSystem Available
    {
        get
        {
            if (UnavailableReason is not null)
            {
                RequiredServices.Unavailable(UnavailableReason);
            }

            return System!;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (System is not null)
        {
            await System.DisposeAsync();
        }
    }
}

/// <summary>Real flows over HTTP against every process the AppHost starts, with resource commands as the dashboard sends them.</summary>
[Collection(WholeSystemCollection.Name)]
public sealed class OrderFlowTests(LocalBinariesSystemFixture fixture) : IClassFixture<LocalBinariesSystemFixture>
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Redis_and_MariaDB_run_as_local_binaries_and_every_resource_is_healthy()
    {
        var system = fixture.Available;

        Assert.Equal(ServiceMode.LocalBinary, system.ModeOf("redis")?.Mode);
        Assert.Equal(ServiceMode.LocalBinary, system.ModeOf("mysql")?.Mode);
        Assert.Equal(ServiceMode.LocalBinary, system.ModeOf("omniflowdb")?.Mode);
        Assert.Contains(Path.Combine(system.DataDirectory, "mariadb", "data"), system.ModeOf("mysql")!.Description);
        var replicas = await system.ReplicasOfAsync("inventory-worker", LocalBinariesSystemFixture.InventoryWorkers, Cancellation);
        foreach (var name in (string[])["redis", "mysql", "omniflowdb", "temporal", "worker", .. replicas, "api"])
        {
            // Another test of this class may have just restarted a worker: healthy again within a minute. (Polled: a
            // replica's state is keyed by its DCP name, which the resource-name waits do not match.)
            await ProcessProbe.WaitUntilAsync(() => IsRunningAndHealthy(system.CurrentState(name).Snapshot), TimeSpan.FromSeconds(60),
                $"{name} is running and healthy ({Describe(system.CurrentState(name).Snapshot)})");
            var snapshot = system.CurrentState(name).Snapshot;
            Assert.Equal(KnownResourceStates.Running, snapshot.State?.Text);
            Assert.All(snapshot.HealthReports, report => Assert.Equal(Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy, report.Status));
        }

        using var health = await system.CreateHttpClient("api").GetAsync("/health", Cancellation);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    private static bool IsRunningAndHealthy(CustomResourceSnapshot snapshot) =>
        snapshot.State?.Text == KnownResourceStates.Running
        && snapshot.HealthReports.All(report => report.Status == Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy);

    private static string Describe(CustomResourceSnapshot snapshot) =>
        $"{snapshot.State?.Text} health=[{string.Join(", ", snapshot.HealthReports.Select(report => $"{report.Name}={report.Status}"))}]";

    [Fact]
    public Task An_order_that_is_paid_completes() => new OrderApi(fixture.Available.CreateHttpClient("api")).OrderAndPayAsync();

    [Fact]
    public Task An_order_not_paid_in_time_is_cancelled_and_its_stock_comes_back() =>
        new OrderApi(fixture.Available.CreateHttpClient("api")).OrderAndLetThePaymentTimeOutAsync(LocalBinariesSystemFixture.PaymentTimeout);

    [Fact]
    public async Task An_order_survives_its_worker_being_killed_and_restarted_by_the_restart_command()
    {
        var system = fixture.Available;
        var orders = new OrderApi(system.CreateHttpClient("api"));
        var sku = await orders.StockAsync(2);
        var worker = system.ApplicationProcessId("worker");

        // Admitted and its workflow started, and the worker dies at once: mid-order.
        var order = await orders.PlaceOrderAsync(sku);
        ProcessProbe.Kill(worker);
        await system.Application.ResourceNotifications.WaitForResourceAsync("worker", KnownResourceStates.TerminalStates, Cancellation)
            .WaitAsync(TimeSpan.FromSeconds(30), Cancellation);

        var restart = await system.Application.ResourceCommands.ExecuteCommandAsync("worker", KnownResourceCommands.RestartCommand, Cancellation);
        Assert.True(restart.Success, restart.Message);
        await system.Application.ResourceNotifications.WaitForResourceHealthyAsync("worker", Cancellation).WaitAsync(TimeSpan.FromSeconds(90), Cancellation);
        Assert.NotEqual(worker, system.ApplicationProcessId("worker"));

        await orders.WaitForStatusAsync(order, "PENDING_PAYMENT", TimeSpan.FromSeconds(60));
        await orders.PayAsync(order);
        await orders.WaitForStatusAsync(order, "COMPLETED", TimeSpan.FromSeconds(60));
        await orders.WaitForStockAsync(sku, expected: 1);
    }

    [Fact]
    public async Task A_payment_that_reached_the_server_before_the_deadline_is_kept_while_the_worker_was_dead()
    {
        var system = fixture.Available;
        var orders = new OrderApi(system.CreateHttpClient("api"));
        var sku = await orders.StockAsync(2);
        var paid = await orders.PlaceOrderAsync(sku);
        var unpaid = await orders.PlaceOrderAsync(sku);
        await orders.WaitForStatusAsync(paid, "PENDING_PAYMENT", TimeSpan.FromSeconds(30));
        await orders.WaitForStatusAsync(unpaid, "PENDING_PAYMENT", TimeSpan.FromSeconds(30));
        var deadline = await orders.PaymentDeadlineAsync(unpaid);

        ProcessProbe.Kill(system.ApplicationProcessId("worker"));
        await system.Application.ResourceNotifications.WaitForResourceAsync("worker", KnownResourceStates.TerminalStates, Cancellation)
            .WaitAsync(TimeSpan.FromSeconds(30), Cancellation);

        // No worker answers: the Api says 503 after its bounded wait, but the payment has reached the server in time.
        var paymentId = $"pay-{Guid.NewGuid():N}";
        var (first, body) = await orders.SendPaymentAsync(paid, paymentId);
        Assert.True(first is HttpStatusCode.ServiceUnavailable or HttpStatusCode.OK, $"pay answered {(int)first}: {body}");

        // The worker comes back after both deadlines: the timer and the payment reach the workflow together.
        await Task.Delay(deadline - DateTimeOffset.UtcNow + TimeSpan.FromSeconds(1), Cancellation);
        var restart = await system.Application.ResourceCommands.ExecuteCommandAsync("worker", KnownResourceCommands.RestartCommand, Cancellation);
        Assert.True(restart.Success, restart.Message);

        await orders.WaitForStatusAsync(paid, "COMPLETED", TimeSpan.FromSeconds(60));
        await orders.WaitForStatusAsync(unpaid, "CANCELLED", TimeSpan.FromSeconds(60));
        var (retried, retriedBody) = await orders.SendPaymentAsync(paid, paymentId);
        Assert.True(retried == HttpStatusCode.OK, $"the provider's retry answered {(int)retried}: {retriedBody}");
        await orders.WaitForStockAsync(sku, expected: 1);
    }

    [Fact]
    public async Task An_inventory_worker_killed_mid_sale_leaves_its_work_to_the_other_and_no_unit_is_lost_or_doubled()
    {
        var system = fixture.Available;
        var orders = new OrderApi(system.CreateHttpClient("api"));
        const int units = 30;
        var sku = await orders.StockAsync(units);
        var replicas = await system.ReplicasOfAsync("inventory-worker", LocalBinariesSystemFixture.InventoryWorkers, Cancellation);
        Assert.Equal(LocalBinariesSystemFixture.InventoryWorkers, replicas.Count);

        // Each order is paid as soon as it is admitted (a payment is taken while the stock is being reserved).
        var placed = new List<string>();
        for (var batch = 0; batch < 3; batch++)
        {
            placed.AddRange(await Task.WhenAll(Enumerable.Range(0, units / 3).Select(async _ =>
            {
                var order = await orders.PlaceOrderAsync(sku);
                await orders.PayAsync(order);
                return order;
            })));
            if (batch == 0)
            {
                ProcessProbe.Kill(system.ApplicationProcessId(replicas[0]));
            }
        }

        // Every order is reserved once (by the replica left, or by the killed one before it died) and the sku is sold out.
        await Task.WhenAll(placed.Select(order => orders.WaitForStatusAsync(order, "COMPLETED", TimeSpan.FromSeconds(60))));
        await orders.WaitForStockAsync(sku, expected: 0);
        var restart = await system.Application.ResourceCommands.ExecuteCommandAsync(replicas[0], KnownResourceCommands.RestartCommand, Cancellation);
        Assert.True(restart.Success, restart.Message);
    }
}
