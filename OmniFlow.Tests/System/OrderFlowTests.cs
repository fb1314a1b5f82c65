using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
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
    private const string AdminKey = "dev-admin-key";
    private const string WebhookSecret = "dev-webhook-secret";

    private readonly HttpClient api = fixture.System.CreateHttpClient("api");

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
    public async Task An_order_that_is_paid_completes()
    {
        var sku = await StockAsync(5);
        var order = await PlaceOrderAsync(sku);
        await WaitForStatusAsync(order, "PENDING_PAYMENT", TimeSpan.FromSeconds(30));

        await PayAsync(order);

        await WaitForStatusAsync(order, "COMPLETED", TimeSpan.FromSeconds(60));
        await WaitForStockAsync(sku, expected: 4);
    }

    [Fact]
    public async Task An_order_not_paid_in_time_is_cancelled_and_its_stock_comes_back()
    {
        var sku = await StockAsync(3);
        var order = await PlaceOrderAsync(sku);
        await WaitForStatusAsync(order, "PENDING_PAYMENT", TimeSpan.FromSeconds(30));
        Assert.Equal(2, (await ProductAsync(sku)).GetProperty("stock").GetInt32());

        await WaitForStatusAsync(order, "CANCELLED", OmniFlowSystemFixture.PaymentTimeout + TimeSpan.FromSeconds(45));

        await WaitForStockAsync(sku, expected: 3);
    }

    [Fact]
    public async Task An_order_survives_its_worker_being_killed_and_restarted_from_the_dashboard()
    {
        using var dashboard = fixture.System.CreateDashboardClient();
        var sku = await StockAsync(2);
        var worker = fixture.System.Application["worker"];
        var pid = worker.Pid ?? throw new InvalidOperationException("the worker has no process");

        // Admitted and its workflow started, and the worker dies at once: mid-order.
        var order = await PlaceOrderAsync(sku);
        Signals.Send(pid, Signals.SigKill);
        await WaitUntilAsync(() => worker.State.Current == ResourceState.Exited, TimeSpan.FromSeconds(10), "the worker shows as exited");
        var shown = await dashboard.GetFromJsonAsync<JsonElement[]>("/api/resources", Cancellation) ?? [];
        Assert.Equal("Exited", shown.Single(resource => resource.GetProperty("name").GetString() == "worker").GetProperty("state").GetString());

        using var restart = await dashboard.PostAsync("/api/resources/worker/restart", null, Cancellation);
        Assert.Equal(HttpStatusCode.OK, restart.StatusCode);
        Assert.Equal(ResourceState.Healthy, worker.State.Current);
        Assert.NotEqual(pid, worker.Pid);

        await WaitForStatusAsync(order, "PENDING_PAYMENT", TimeSpan.FromSeconds(30));
        await PayAsync(order);
        await WaitForStatusAsync(order, "COMPLETED", TimeSpan.FromSeconds(60));
        await WaitForStockAsync(sku, expected: 1);
    }

    private async Task<string> StockAsync(int stock)
    {
        var sku = $"SYS-{Guid.NewGuid():N}"[..20];
        using var request = new HttpRequestMessage(HttpMethod.Put, $"/api/v1/products/{sku}")
        {
            Content = JsonContent.Create(new { name = "System test phone", price = 100.00m, stock, warehouse = "SH" }),
        };
        request.Headers.Add("X-Api-Key", AdminKey);
        using var response = await api.SendAsync(request, Cancellation);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return sku;
    }

    private async Task<string> PlaceOrderAsync(string sku)
    {
        using var response = await api.PostAsJsonAsync("/api/v1/orders",
            new { user_id = $"u-{Guid.NewGuid():N}", items = new[] { sku }, amount = 100 }, Cancellation);
        var body = await response.Content.ReadAsStringAsync(Cancellation);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"POST /api/v1/orders answered {(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.GetProperty("order_id").GetString()!;
    }

    private async Task PayAsync(string order)
    {
        var body = JsonSerializer.Serialize(new { payment_id = $"pay-{Guid.NewGuid():N}", amount = 100 });
        var signature = Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(WebhookSecret), Encoding.UTF8.GetBytes(body)));
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/orders/{order}/pay")
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("X-Signature", $"sha256={signature}");
        using var response = await api.SendAsync(request, Cancellation);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    private async Task<JsonElement> ProductAsync(string sku) =>
        await api.GetFromJsonAsync<JsonElement>($"/api/v1/products/{sku}", Cancellation);

    /// <summary>The database and the gate agree on the stock once the dust settles.</summary>
    private async Task WaitForStockAsync(string sku, int expected)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        var product = await ProductAsync(sku);
        while (DateTime.UtcNow < deadline &&
               (product.GetProperty("stock").GetInt32() != expected || product.GetProperty("gate_stock").GetInt32() != expected))
        {
            await Task.Delay(250, Cancellation);
            product = await ProductAsync(sku);
        }

        Assert.Equal(expected, product.GetProperty("stock").GetInt32());
        Assert.Equal(expected, product.GetProperty("gate_stock").GetInt32());
    }

    private async Task WaitForStatusAsync(string order, string status, TimeSpan timeout)
    {
        var last = "(none)";
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            using var response = await api.GetAsync($"/api/v1/orders/{order}", Cancellation);
            if (response.IsSuccessStatusCode)
            {
                last = (await response.Content.ReadFromJsonAsync<JsonElement>(Cancellation)).GetProperty("status").GetString()!;
                if (last == status)
                {
                    return;
                }
            }

            await Task.Delay(250, Cancellation);
        }

        Assert.Fail($"order {order} is {last}, not {status}, after {timeout.TotalSeconds} s");
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
