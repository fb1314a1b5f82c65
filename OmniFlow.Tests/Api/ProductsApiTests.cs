using System.Net;
using System.Net.Http.Json;

namespace OmniFlow.Tests.Api;

[Collection(SystemCollection.Name)]
public sealed class ProductsApiTests(OmniFlowSystem system)
{
    [Fact]
    public async Task Put_sets_the_database_and_the_gate_together()
    {
        var sku = Sku();
        using var response = await PutAsync(sku, new { name = "iPhone 15", price = 100.00m, stock = 10, warehouse = "SH" }, OmniFlowSystem.AdminKey);
        var product = await Problems.JsonAsync(response, HttpStatusCode.OK);
        Assert.Equal(sku, product.GetProperty("sku").GetString());
        Assert.Equal(10, product.GetProperty("stock").GetInt32());

        var read = await system.GetProductAsync(sku);
        Assert.Equal("iPhone 15", read.GetProperty("name").GetString());
        Assert.Equal(100.00m, read.GetProperty("price").GetDecimal());
        Assert.Equal(10, read.GetProperty("stock").GetInt32());
        Assert.Equal(10, read.GetProperty("gate_stock").GetInt32());
        Assert.Equal("SH", read.GetProperty("warehouse").GetString());

        using var replaced = await PutAsync(sku, new { name = "iPhone 15", price = 90m, stock = 3, warehouse = "SH" }, OmniFlowSystem.AdminKey);
        Assert.Equal(HttpStatusCode.OK, replaced.StatusCode);
        read = await system.GetProductAsync(sku);
        Assert.Equal(3, read.GetProperty("stock").GetInt32());
        Assert.Equal(3, read.GetProperty("gate_stock").GetInt32());
    }

    [Fact]
    public async Task Unknown_products_are_404()
    {
        using var response = await system.Http.GetAsync($"/api/v1/products/{Sku()}", TestContext.Current.CancellationToken);
        await Problems.AssertProblemAsync(response, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Invalid_fields_are_400_and_change_nothing()
    {
        var sku = Sku();
        await system.PutProductAsync(sku, 5);

        foreach (var body in new object[]
        {
            new { name = "", price = 1m, stock = 1, warehouse = "SH" },
            new { name = "x", price = -1m, stock = 1, warehouse = "SH" },
            new { name = "x", price = 1m, stock = -1, warehouse = "SH" },
        })
        {
            using var response = await PutAsync(sku, body, OmniFlowSystem.AdminKey);
            var problem = await Problems.AssertProblemAsync(response, HttpStatusCode.BadRequest);
            Assert.True(problem.TryGetProperty("errors", out _));
        }

        using var badSku = await PutAsync("bad sku!", new { name = "x", price = 1m, stock = 1, warehouse = "SH" }, OmniFlowSystem.AdminKey);
        await Problems.AssertProblemAsync(badSku, HttpStatusCode.BadRequest);

        using var malformed = new HttpRequestMessage(HttpMethod.Put, $"/api/v1/products/{sku}") { Content = new StringContent("{\"name\": ", System.Text.Encoding.UTF8, "application/json") };
        malformed.Headers.Add("X-Api-Key", OmniFlowSystem.AdminKey);
        await Problems.AssertProblemAsync(await system.Http.SendAsync(malformed, TestContext.Current.CancellationToken), HttpStatusCode.BadRequest);

        var read = await system.GetProductAsync(sku);
        Assert.Equal(5, read.GetProperty("stock").GetInt32());
        Assert.Equal(5, read.GetProperty("gate_stock").GetInt32());
    }

    [Fact]
    public async Task Put_needs_the_admin_key()
    {
        var sku = Sku();
        using var missing = await PutAsync(sku, new { name = "x", price = 1m, stock = 1, warehouse = "SH" }, apiKey: null);
        await Problems.AssertProblemAsync(missing, HttpStatusCode.Unauthorized);
        using var wrong = await PutAsync(sku, new { name = "x", price = 1m, stock = 1, warehouse = "SH" }, "not-the-key");
        await Problems.AssertProblemAsync(wrong, HttpStatusCode.Forbidden);

        using var read = await system.Http.GetAsync($"/api/v1/products/{sku}", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.NotFound, read.StatusCode);
    }

    [Fact]
    public async Task A_put_the_gate_cannot_take_changes_nothing_and_a_retry_sets_both()
    {
        var sku = Sku();
        await system.PutProductAsync(sku, 5, price: 10m);
        var ledger = await system.LedgerRowsAsync(sku);
        var fresh = Sku();

        system.FlakyGate.FailSetStock(sku);
        system.FlakyGate.FailSetStock(fresh);
        try
        {
            using var replaced = await PutAsync(sku, new { name = "Renamed", price = 20m, stock = 50, warehouse = "XX" }, OmniFlowSystem.AdminKey);
            await Problems.AssertProblemAsync(replaced, HttpStatusCode.ServiceUnavailable);
            using var created = await PutAsync(fresh, new { name = "New", price = 1m, stock = 7, warehouse = "SH" }, OmniFlowSystem.AdminKey);
            await Problems.AssertProblemAsync(created, HttpStatusCode.ServiceUnavailable);
        }
        finally
        {
            system.FlakyGate.Heal(sku);
            system.FlakyGate.Heal(fresh);
        }

        var read = await system.GetProductAsync(sku);
        Assert.Equal($"Product {sku}", read.GetProperty("name").GetString());
        Assert.Equal(10m, read.GetProperty("price").GetDecimal());
        Assert.Equal(5, read.GetProperty("stock").GetInt32());
        Assert.Equal(5, read.GetProperty("gate_stock").GetInt32());
        Assert.Equal("SH", read.GetProperty("warehouse").GetString());
        Assert.Equal(ledger, await system.LedgerRowsAsync(sku));
        using (var missing = await system.Http.GetAsync($"/api/v1/products/{fresh}", TestContext.Current.CancellationToken))
        {
            await Problems.AssertProblemAsync(missing, HttpStatusCode.NotFound);
        }

        Assert.Equal(0, await system.LedgerRowsAsync(fresh));

        using var retried = await PutAsync(sku, new { name = "Renamed", price = 20m, stock = 50, warehouse = "XX" }, OmniFlowSystem.AdminKey);
        Assert.Equal(HttpStatusCode.OK, retried.StatusCode);
        read = await system.GetProductAsync(sku);
        Assert.Equal(50, read.GetProperty("stock").GetInt32());
        Assert.Equal(50, read.GetProperty("gate_stock").GetInt32());
        Assert.Equal(ledger + 1, await system.LedgerRowsAsync(sku));
    }

    [Fact]
    public async Task The_admin_key_is_checked_before_the_body_is_read()
    {
        var sku = Sku();
        foreach (var body in new[] { "{\"name\": ", "not json", "{\"price\": \"cheap\"}" })
        {
            using var missing = await SendRawAsync(HttpMethod.Put, $"/api/v1/products/{sku}", body, apiKey: null);
            await Problems.AssertProblemAsync(missing, HttpStatusCode.Unauthorized);
            using var wrong = await SendRawAsync(HttpMethod.Put, $"/api/v1/products/{sku}", body, "not-the-key");
            await Problems.AssertProblemAsync(wrong, HttpStatusCode.Forbidden);
        }

        using var badSku = await SendRawAsync(HttpMethod.Put, "/api/v1/products/bad%20sku!", "{", "not-the-key");
        await Problems.AssertProblemAsync(badSku, HttpStatusCode.Forbidden);

        using var read = await system.Http.GetAsync($"/api/v1/products/{sku}", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.NotFound, read.StatusCode);
    }

    [Fact]
    public async Task Prices_have_at_most_two_decimal_places()
    {
        var sku = Sku();
        await system.PutProductAsync(sku, 5, price: 10m);

        using var tooPrecise = await SendRawAsync(HttpMethod.Put, $"/api/v1/products/{sku}",
            """{"name": "x", "price": 1.005, "stock": 1, "warehouse": "SH"}""", OmniFlowSystem.AdminKey);
        var problem = await Problems.AssertProblemAsync(tooPrecise, HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("price", out _));
        Assert.Equal(10m, (await system.GetProductAsync(sku)).GetProperty("price").GetDecimal());

        foreach (var (json, expected) in new[] { ("1.5", 1.5m), ("1.50", 1.5m), ("2.000", 2m), ("0.01", 0.01m) })
        {
            using var accepted = await SendRawAsync(HttpMethod.Put, $"/api/v1/products/{sku}",
                $$"""{"name": "x", "price": {{json}}, "stock": 1, "warehouse": "SH"}""", OmniFlowSystem.AdminKey);
            var product = await Problems.JsonAsync(accepted, HttpStatusCode.OK);
            Assert.Equal(expected, product.GetProperty("price").GetDecimal());
            Assert.Equal(expected, (await system.GetProductAsync(sku)).GetProperty("price").GetDecimal());
        }
    }

    [Fact]
    public async Task Unknown_routes_and_methods_answer_problem_details()
    {
        using var route = await system.Http.GetAsync("/api/v1/nothing-here", TestContext.Current.CancellationToken);
        await Problems.AssertProblemAsync(route, HttpStatusCode.NotFound);
        using var method = await system.Http.DeleteAsync("/api/v1/products/SKU-1", TestContext.Current.CancellationToken);
        await Problems.AssertProblemAsync(method, HttpStatusCode.MethodNotAllowed);
    }

    internal static string Sku() => $"SKU-{Guid.NewGuid():N}"[..20];

    private Task<HttpResponseMessage> SendRawAsync(HttpMethod method, string path, string body, string? apiKey)
    {
        var request = new HttpRequestMessage(method, path) { Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json") };
        if (apiKey is not null)
        {
            request.Headers.Add("X-Api-Key", apiKey);
        }

        return system.Http.SendAsync(request, TestContext.Current.CancellationToken);
    }

    private Task<HttpResponseMessage> PutAsync(string sku, object body, string? apiKey)
    {
        var request = new HttpRequestMessage(HttpMethod.Put, $"/api/v1/products/{Uri.EscapeDataString(sku)}") { Content = JsonContent.Create(body) };
        if (apiKey is not null)
        {
            request.Headers.Add("X-Api-Key", apiKey);
        }

        return system.Http.SendAsync(request, TestContext.Current.CancellationToken);
    }
}
