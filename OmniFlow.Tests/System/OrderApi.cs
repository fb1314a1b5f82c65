using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace OmniFlow.Tests.WholeSystem;

/// <summary>What a client of the Api does in the whole-system flows: stock a product, order, pay, and watch.</summary>
public sealed class OrderApi(HttpClient api)
{
    private const string AdminKey = "dev-admin-key";
    private const string WebhookSecret = "dev-webhook-secret";

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    public async Task<string> StockAsync(int stock, decimal price = 100.00m)
    {
        var sku = $"SYS-{Guid.NewGuid():N}"[..20];
        using var request = new HttpRequestMessage(HttpMethod.Put, $"/api/v1/products/{sku}")
        {
            Content = JsonContent.Create(new { name = "System test phone", price, stock, warehouse = "SH" }),
        };
        request.Headers.Add("X-Api-Key", AdminKey);
        using var response = await api.SendAsync(request, Cancellation);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return sku;
    }

    public async Task<string> PlaceOrderAsync(string sku, string? userId = null, decimal amount = 100m)
    {
        using var response = await api.PostAsJsonAsync("/api/v1/orders",
            new { user_id = userId ?? $"u-{Guid.NewGuid():N}", items = new[] { sku }, amount }, Cancellation);
        var body = await response.Content.ReadAsStringAsync(Cancellation);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"POST /api/v1/orders answered {(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.GetProperty("order_id").GetString()!;
    }

    public async Task PayAsync(string order)
    {
        var (status, answer) = await SendPaymentAsync(order, $"pay-{Guid.NewGuid():N}");
        Assert.True(status == HttpStatusCode.OK, $"POST /api/v1/orders/{order}/pay answered {(int)status}: {answer}");
    }

    /// <summary>A payment provider's signed confirmation of <paramref name="paymentId"/>, and the Api's answer.</summary>
    public async Task<(HttpStatusCode Status, string Body)> SendPaymentAsync(string order, string paymentId, decimal amount = 100m)
    {
        var body = JsonSerializer.Serialize(new { payment_id = paymentId, amount });
        var t = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var signature = Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(WebhookSecret), Encoding.UTF8.GetBytes($"{t}.{order}.{body}")));
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/orders/{order}/pay")
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("X-Signature", $"t={t},v1={signature}");
        using var response = await api.SendAsync(request, Cancellation);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(Cancellation));
    }

    /// <summary>An operator's audit decision on a held order (<c>POST /audit</c> with the admin key).</summary>
    public async Task AuditAsync(string order, bool approved, string reason)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/orders/{order}/audit") { Content = JsonContent.Create(new { approved, reason }) };
        request.Headers.Add("X-Api-Key", AdminKey);
        using var response = await api.SendAsync(request, Cancellation);
        var answer = await response.Content.ReadAsStringAsync(Cancellation);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"POST /api/v1/orders/{order}/audit answered {(int)response.StatusCode}: {answer}");
    }

    public async Task<JsonElement> ProductAsync(string sku) =>
        await api.GetFromJsonAsync<JsonElement>($"/api/v1/products/{sku}", Cancellation);

    /// <summary>The database and the gate agree on the stock once the dust settles.</summary>
    public async Task WaitForStockAsync(string sku, int expected)
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

    /// <summary>The order's <c>payment_deadline</c>, as the Api shows it.</summary>
    public async Task<DateTimeOffset> PaymentDeadlineAsync(string order) =>
        (await api.GetFromJsonAsync<JsonElement>($"/api/v1/orders/{order}", Cancellation)).GetProperty("payment_deadline").GetDateTimeOffset();

    public async Task WaitForStatusAsync(string order, string status, TimeSpan timeout)
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

    /// <summary>Create → pay → COMPLETED, with the stock one less in the database and the gate.</summary>
    public async Task<string> OrderAndPayAsync()
    {
        var sku = await StockAsync(5);
        var order = await PlaceOrderAsync(sku);
        await WaitForStatusAsync(order, "PENDING_PAYMENT", TimeSpan.FromSeconds(30));
        await PayAsync(order);
        await WaitForStatusAsync(order, "COMPLETED", TimeSpan.FromSeconds(60));
        await WaitForStockAsync(sku, expected: 4);
        return order;
    }

    /// <summary>An order left unpaid is CANCELLED after the payment timeout, and its stock comes back.</summary>
    public async Task OrderAndLetThePaymentTimeOutAsync(TimeSpan paymentTimeout)
    {
        var sku = await StockAsync(3);
        var order = await PlaceOrderAsync(sku);
        await WaitForStatusAsync(order, "PENDING_PAYMENT", TimeSpan.FromSeconds(30));
        Assert.Equal(2, (await ProductAsync(sku)).GetProperty("stock").GetInt32());
        await WaitForStatusAsync(order, "CANCELLED", paymentTimeout + TimeSpan.FromSeconds(45));
        await WaitForStockAsync(sku, expected: 3);
    }
}
