using System.Net.Http.Json;
using System.Text.Json.Serialization;

namespace OmniFlow.Stress;

public sealed record ProductState(
    [property: JsonPropertyName("sku")] string Sku,
    [property: JsonPropertyName("stock")] int Stock,
    [property: JsonPropertyName("gate_stock")] int GateStock);

/// <param name="All">Every order of the sku.</param>
/// <param name="Released">Those that ended cancelled or failed, their unit given back.</param>
public sealed record OrderCounts(int All, int Released);

public sealed record OrderState(
    [property: JsonPropertyName("order_id")] string OrderId,
    [property: JsonPropertyName("status")] string Status);

/// <summary>The admin and read calls the stress run needs around the load itself.</summary>
public sealed class StoreClient(HttpClient http, string adminKey)
{
    public async Task PutProductAsync(string sku, int stock, decimal price, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, $"api/v1/products/{sku}")
        {
            Content = JsonContent.Create(new { name = $"Stress {sku}", price, stock, warehouse = "SH" }),
        };
        request.Headers.Add("X-Api-Key", adminKey);
        using var response = await http.SendAsync(request, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException(
                $"PUT /api/v1/products/{sku} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}");
        }
    }

    public async Task<ProductState> GetProductAsync(string sku, CancellationToken cancellationToken) =>
        await http.GetFromJsonAsync<ProductState>($"api/v1/products/{sku}", cancellationToken)
        ?? throw new HttpRequestException($"GET /api/v1/products/{sku} returned no body");

    /// <summary>The sku's orders in the database (the admin listing's <c>total</c>): all, and those that gave their unit back.</summary>
    public async Task<OrderCounts> CountOrdersAsync(string sku, CancellationToken cancellationToken) => new(
        await CountAsync(sku, status: null, cancellationToken),
        await CountAsync(sku, "CANCELLED", cancellationToken) + await CountAsync(sku, "FAILED", cancellationToken));

    /// <summary>The order as <c>GET /api/v1/orders/{id}</c> answers it; null when it answers anything but 200.</summary>
    public async Task<OrderState?> GetOrderAsync(string orderId, CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync($"api/v1/orders/{Uri.EscapeDataString(orderId)}", cancellationToken);
        return response.IsSuccessStatusCode ? await response.Content.ReadFromJsonAsync<OrderState>(cancellationToken) : null;
    }

    private async Task<int> CountAsync(string sku, string? status, CancellationToken cancellationToken)
    {
        // Only the listing's total is read: one order in the page, not a hundred with their lines, so polling the counts
        // while a sale settles costs the Api and the database little of what an end-to-end run measures.
        var query = $"api/v1/orders?sku={Uri.EscapeDataString(sku)}&limit=1" + (status is null ? string.Empty : $"&status={status}");
        using var request = new HttpRequestMessage(HttpMethod.Get, query);
        request.Headers.Add("X-Api-Key", adminKey);
        using var response = await http.SendAsync(request, cancellationToken);
        response.EnsureSuccessStatusCode();
        var listing = await response.Content.ReadFromJsonAsync<OrderListing>(cancellationToken);
        return listing?.Total ?? throw new HttpRequestException("GET /api/v1/orders returned no total");
    }

    private sealed record OrderListing([property: JsonPropertyName("total")] int Total);
}
