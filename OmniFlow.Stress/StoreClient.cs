using System.Net.Http.Json;
using System.Text.Json.Serialization;

namespace OmniFlow.Stress;

public sealed record ProductState(
    [property: JsonPropertyName("sku")] string Sku,
    [property: JsonPropertyName("stock")] int Stock,
    [property: JsonPropertyName("gate_stock")] int GateStock);

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

    /// <summary>The number of orders the database holds for the sku (the admin listing's <c>total</c>).</summary>
    public async Task<int> CountOrdersAsync(string sku, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"api/v1/orders?sku={Uri.EscapeDataString(sku)}");
        request.Headers.Add("X-Api-Key", adminKey);
        using var response = await http.SendAsync(request, cancellationToken);
        response.EnsureSuccessStatusCode();
        var listing = await response.Content.ReadFromJsonAsync<OrderListing>(cancellationToken);
        return listing?.Total ?? throw new HttpRequestException("GET /api/v1/orders returned no total");
    }

    private sealed record OrderListing([property: JsonPropertyName("total")] int Total);
}
