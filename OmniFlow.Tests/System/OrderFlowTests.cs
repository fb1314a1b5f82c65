using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using OmniFlow.AppHost.Hosting;
using OmniFlow.AppHost.Hosting.Processes;

namespace OmniFlow.Tests.WholeSystem;

/// <summary>One system for the whole-system flows, with the payment timeout configured to seconds.</summary>
public sealed class OmniFlowSystemFixture : IAsyncLifetime
{
    public static readonly TimeSpan PaymentTimeout = TimeSpan.FromSeconds(20);

    public OmniFlowSystem System { get; private set; } = null!;

    public async ValueTask InitializeAsync() =>
        System = await OmniFlowSystem.StartAsync([$"--Orders:PaymentTimeout={PaymentTimeout}"], CancellationToken.None);

    public async ValueTask DisposeAsync()
    {
        if (System is not null)
        {
            await System.DisposeAsync();
        }
    }
}

/// <summary>Real flows over HTTP against every process the AppHost starts.</summary>
[Collection(WholeSystemCollection.Name)]
public sealed class OrderFlowTests(OmniFlowSystemFixture fixture) : IClassFixture<OmniFlowSystemFixture>
{
    private readonly HttpClient api = fixture.System.CreateHttpClient("api");
    private readonly OrderApi orders = new(fixture.System.CreateHttpClient("api"));

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Every_resource_is_healthy_and_the_api_reports_healthy()
    {
        Assert.All(fixture.System.Application.Resources, runner =>
            Assert.Contains(runner.State.Current, (ResourceState[])[ResourceState.Healthy, ResourceState.Running]));
        using var health = await api.GetAsync("/health", Cancellation);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    [Fact]
    public Task An_order_that_is_paid_completes() => orders.OrderAndPayAsync();

    [Fact]
    public Task An_order_not_paid_in_time_is_cancelled_and_its_stock_comes_back() =>
        orders.OrderAndLetThePaymentTimeOutAsync(OmniFlowSystemFixture.PaymentTimeout);

    [Fact]
    public async Task An_order_survives_its_worker_being_killed_and_restarted_from_the_dashboard()
    {
        using var dashboard = fixture.System.CreateDashboardClient();
        var sku = await orders.StockAsync(2);
        var worker = fixture.System.Application["worker"];
        var pid = worker.Pid ?? throw new InvalidOperationException("the worker has no process");

        // Admitted and its workflow started, and the worker dies at once: mid-order.
        var order = await orders.PlaceOrderAsync(sku);
        Signals.Send(pid, Signals.SigKill);
        await WaitUntilAsync(() => worker.State.Current == ResourceState.Exited, TimeSpan.FromSeconds(10), "the worker shows as exited");
        var shown = await dashboard.GetFromJsonAsync<JsonElement[]>("/api/resources", Cancellation) ?? [];
        Assert.Equal("Exited", shown.Single(resource => resource.GetProperty("name").GetString() == "worker").GetProperty("state").GetString());

        using var restart = await dashboard.PostAsync("/api/resources/worker/restart", null, Cancellation);
        Assert.Equal(HttpStatusCode.OK, restart.StatusCode);
        Assert.Equal(ResourceState.Healthy, worker.State.Current);
        Assert.NotEqual(pid, worker.Pid);

        await orders.WaitForStatusAsync(order, "PENDING_PAYMENT", TimeSpan.FromSeconds(30));
        await orders.PayAsync(order);
        await orders.WaitForStatusAsync(order, "COMPLETED", TimeSpan.FromSeconds(60));
        await orders.WaitForStockAsync(sku, expected: 1);
    }

    private static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting until {what}");
            await Task.Delay(50, Cancellation);
        }
    }
}
