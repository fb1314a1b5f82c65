using System.Net;
using System.Text;
using System.Text.Json;

namespace OmniFlow.Tests.Api;

/// <summary>
/// A request the Api cannot read (no body, malformed JSON, a field of the wrong type) is answered in the contract's
/// words: problem details that say what is wrong, never the framework's or the serializer's internals.
/// </summary>
[Collection(SystemCollection.Name)]
public sealed class BadRequestWordingTests(OmniFlowSystem system)
{
    private static readonly string[] Internals =
    [
        "Implicit body", "inferred", "parameter \"", "System.", "Nullable", "JsonException", "Path: $", "LineNumber", "BytePositionInLine",
        "CreateOrderRequest", "ProductRequest", "AuditRequest", "Did you mean", "Service instead", "Int32", "Decimal",
    ];

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("", "body")]
    [InlineData("null", "body")]
    [InlineData("[1, 2]", "object")]
    [InlineData("\"iPhone15\"", "object")]
    [InlineData("{\"items\": [", "JSON")]
    [InlineData("not json", "JSON")]
    [InlineData("{\"items\": [\"A\"],}", "JSON")]
    [InlineData("{\"items\": \"A\"}", "items")]
    [InlineData("{\"items\": [\"A\"], \"amount\": \"a lot\"}", "amount")]
    [InlineData("{\"items\": [\"A\"], \"amount\": 1e30}", "amount")]
    [InlineData("{\"items\": [\"A\"], \"user_id\": 7}", "user_id")]
    [InlineData("{\"items\": [\"A\"], \"user_id\": {\"id\": 1}}", "user_id")]
    [InlineData("{\"items\": [42]}", "items[0]")]
    [InlineData("{\"items\": [{\"sku\": \"A\", \"quantity\": \"two\"}]}", "items[0]")]
    [InlineData("{\"items\": [{\"sku\": \"A\", \"quantity\": 1.5}]}", "items[0]")]
    public async Task An_unreadable_order_is_400_in_the_contracts_words(string body, string named)
    {
        using var response = await system.PostJsonAsync("/api/v1/orders", body);

        await AssertWordedAsync(response, HttpStatusCode.BadRequest, named);
    }

    [Fact]
    public async Task An_order_that_is_not_json_is_415_in_the_contracts_words()
    {
        using var response = await system.Http.PostAsync("/api/v1/orders", new StringContent("items=A", Encoding.UTF8, "application/x-www-form-urlencoded"), Cancellation);

        await AssertWordedAsync(response, HttpStatusCode.UnsupportedMediaType, "application/json");
    }

    [Theory]
    [InlineData("", "body")]
    [InlineData("{\"name\": ", "JSON")]
    [InlineData("{\"name\": \"x\", \"price\": \"cheap\", \"stock\": 1}", "price")]
    [InlineData("{\"name\": \"x\", \"price\": 1, \"stock\": 1.5}", "stock")]
    [InlineData("{\"name\": [\"x\"], \"price\": 1, \"stock\": 1}", "name")]
    public async Task An_unreadable_product_is_400_in_the_contracts_words(string body, string named)
    {
        var sku = ProductsApiTests.Sku();
        using var request = new HttpRequestMessage(HttpMethod.Put, $"/api/v1/products/{sku}") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("X-Api-Key", OmniFlowSystem.AdminKey);
        using var response = await system.Http.SendAsync(request, Cancellation);

        await AssertWordedAsync(response, HttpStatusCode.BadRequest, named);
        Assert.Equal(HttpStatusCode.NotFound, (await system.Http.GetAsync($"/api/v1/products/{sku}", Cancellation)).StatusCode);
    }

    [Theory]
    [InlineData("", "body")]
    [InlineData("{\"approved\": \"maybe\"}", "approved")]
    public async Task An_unreadable_audit_is_400_in_the_contracts_words(string body, string named)
    {
        using var response = await system.PostJsonAsync($"/api/v1/orders/ORDER-{Guid.NewGuid()}/audit", body, ("X-Api-Key", OmniFlowSystem.AdminKey));

        await AssertWordedAsync(response, HttpStatusCode.BadRequest, named);
    }

    [Theory]
    [InlineData("{\"payment_id\": ", "JSON")]
    [InlineData("{\"payment_id\": \"p\", \"amount\": \"x\"}", "amount")]
    [InlineData("{\"payment_id\": 7, \"amount\": 1}", "payment_id")]
    public async Task An_unreadable_payment_is_400_in_the_contracts_words(string body, string named)
    {
        var order = $"ORDER-{Guid.NewGuid()}";
        using var response = await system.PostJsonAsync($"/api/v1/orders/{order}/pay", body, ("X-Signature", OmniFlowSystem.Sign(order, body)));

        await AssertWordedAsync(response, HttpStatusCode.BadRequest, named);
    }

    [Fact]
    public async Task A_query_value_of_the_wrong_type_is_400_in_the_contracts_words()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/orders?limit=lots");
        request.Headers.Add("X-Api-Key", OmniFlowSystem.AdminKey);
        using var response = await system.Http.SendAsync(request, Cancellation);

        await AssertWordedAsync(response, HttpStatusCode.BadRequest, "query");
    }

    private static async Task AssertWordedAsync(HttpResponseMessage response, HttpStatusCode status, string named)
    {
        var problem = await Problems.AssertProblemAsync(response, status);
        var text = JsonSerializer.Serialize(problem);
        foreach (var internals in Internals)
        {
            Assert.False(text.Contains(internals, StringComparison.Ordinal), $"'{internals}' in {text}");
        }

        var explanation = problem.GetProperty("detail").GetString() + (problem.TryGetProperty("errors", out var errors) ? errors.GetRawText() : string.Empty);
        Assert.Contains(named, explanation, StringComparison.Ordinal);
    }
}
