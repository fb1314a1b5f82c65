using System.Net;
using System.Text.Json;

namespace OmniFlow.Tests.Api;

/// <summary>
/// Identifiers and names are printable text of a bounded length: control characters (NUL, CR, LF, ...) and bidi
/// controls are 400 and nothing is stored.
/// </summary>
[Collection(SystemCollection.Name)]
public sealed class TextFieldTests(OmniFlowSystem system)
{
    private static readonly string[] UnprintableCharacters = ["\0", "\n", "\r", "\u0007", "\u007f", "\u0085", "\u202a", "\u202e", "\u2066", "\u2069"];

    public static TheoryData<string> Unprintable => new(UnprintableCharacters);

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Theory]
    [MemberData(nameof(Unprintable))]
    public async Task A_user_id_with_an_unprintable_character_is_400_and_reserves_nothing(string character)
    {
        var sku = ProductsApiTests.Sku();
        await system.PutProductAsync(sku, 5);
        var userId = $"u-{character}evil";

        using var response = await system.PostJsonAsync("/api/v1/orders", Json(new { user_id = userId, items = new[] { sku } }));

        var problem = await Problems.AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("user_id", out _));
        Assert.Equal(5, (await system.GetProductAsync(sku)).GetProperty("gate_stock").GetInt32());
    }

    [Theory]
    [MemberData(nameof(Unprintable))]
    public async Task A_product_name_or_warehouse_with_an_unprintable_character_is_400_and_stores_nothing(string character)
    {
        var sku = ProductsApiTests.Sku();

        using var name = await PutProductAsync(sku, Json(new { name = $"iPhone{character}15", price = 1m, stock = 1, warehouse = "SH" }));
        var problem = await Problems.AssertProblemAsync(name, HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("name", out _));
        using var warehouse = await PutProductAsync(sku, Json(new { name = "iPhone 15", price = 1m, stock = 1, warehouse = $"SH{character}" }));
        problem = await Problems.AssertProblemAsync(warehouse, HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("warehouse", out _));

        using var read = await system.Http.GetAsync($"/api/v1/products/{sku}", Cancellation);
        Assert.Equal(HttpStatusCode.NotFound, read.StatusCode);
    }

    [Theory]
    [InlineData("\n")]
    [InlineData("\r")]
    public async Task A_sku_with_a_control_character_is_400(string character)
    {
        var sku = ProductsApiTests.Sku();
        await system.PutProductAsync(sku, 5);

        using var put = await PutProductAsync(Uri.EscapeDataString(sku + character), Json(new { name = "x", price = 1m, stock = 1, warehouse = "SH" }));
        await Problems.AssertProblemAsync(put, HttpStatusCode.BadRequest);
        using var order = await system.PostJsonAsync("/api/v1/orders", Json(new { items = new[] { sku + character } }));
        await Problems.AssertProblemAsync(order, HttpStatusCode.BadRequest);

        Assert.Equal(5, (await system.GetProductAsync(sku)).GetProperty("gate_stock").GetInt32());
    }

    [Theory]
    [InlineData("\u0001")]
    [InlineData("\u007f")]
    [InlineData("\t")]
    public async Task An_idempotency_key_with_a_control_character_is_400_and_stores_nothing(string character)
    {
        var sku = ProductsApiTests.Sku();
        await system.PutProductAsync(sku, 5);
        var key = $"key{character}{Guid.NewGuid()}";

        using var response = await system.PostJsonAsync("/api/v1/orders", Json(new { items = new[] { sku } }), ("Idempotency-Key", key));

        var problem = await Problems.AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("idempotency-key", out _));
        Assert.False(await system.HasOrderForKeyAsync(key));
        Assert.Equal(5, (await system.GetProductAsync(sku)).GetProperty("gate_stock").GetInt32());
    }

    [Fact]
    public async Task A_payment_id_with_an_unprintable_character_is_400_and_changes_nothing()
    {
        var sku = ProductsApiTests.Sku();
        await system.PutProductAsync(sku, 5);
        var orderId = await system.CreateOrderAsync(Json(new { items = new[] { sku } }));
        await system.WaitForStatusAsync(orderId, "PENDING_PAYMENT");

        foreach (var character in UnprintableCharacters)
        {
            using var response = await system.PayAsync(orderId, $"pay{character}evil", 100m);
            var problem = await Problems.AssertProblemAsync(response, HttpStatusCode.BadRequest);
            Assert.True(problem.GetProperty("errors").TryGetProperty("payment_id", out _));
        }

        var order = await system.GetOrderAsync(orderId);
        Assert.Equal("PENDING_PAYMENT", order.GetProperty("status").GetString());
        Assert.DoesNotContain(order.GetProperty("timeline").EnumerateArray(), entry => entry.GetProperty("event").GetString()!.Contains("evil", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_audit_reason_with_an_unprintable_character_is_400()
    {
        var order = $"ORDER-{Guid.NewGuid()}";
        foreach (var character in UnprintableCharacters)
        {
            using var response = await system.PostJsonAsync($"/api/v1/orders/{order}/audit",
                Json(new { approved = false, reason = $"risk{character}evil" }), ("X-Api-Key", OmniFlowSystem.AdminKey));
            var problem = await Problems.AssertProblemAsync(response, HttpStatusCode.BadRequest);
            Assert.True(problem.GetProperty("errors").TryGetProperty("reason", out _));
        }
    }

    [Fact]
    public async Task Markup_and_other_printable_text_is_kept_as_text()
    {
        var sku = ProductsApiTests.Sku();
        const string name = "<b>iPhone</b> 15 \"Pro\" – 日本 & 🎉";
        using var response = await PutProductAsync(sku, Json(new { name, price = 1m, stock = 1, warehouse = "SH" }));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        Assert.Equal(name, (await system.GetProductAsync(sku)).GetProperty("name").GetString());
    }

    [Fact]
    public async Task Names_and_identifiers_have_a_maximum_length()
    {
        var sku = ProductsApiTests.Sku();
        await system.PutProductAsync(sku, 5);

        using var userId = await system.PostJsonAsync("/api/v1/orders", Json(new { user_id = new string('u', 129), items = new[] { sku } }));
        await Problems.AssertProblemAsync(userId, HttpStatusCode.BadRequest);
        using var key = await system.PostJsonAsync("/api/v1/orders", Json(new { items = new[] { sku } }), ("Idempotency-Key", new string('k', 201)));
        await Problems.AssertProblemAsync(key, HttpStatusCode.BadRequest);
        using var name = await PutProductAsync(sku, Json(new { name = new string('n', 201), price = 1m, stock = 1, warehouse = "SH" }));
        await Problems.AssertProblemAsync(name, HttpStatusCode.BadRequest);
        using var reason = await system.PostJsonAsync($"/api/v1/orders/ORDER-{Guid.NewGuid()}/audit",
            Json(new { approved = false, reason = new string('r', 501) }), ("X-Api-Key", OmniFlowSystem.AdminKey));
        await Problems.AssertProblemAsync(reason, HttpStatusCode.BadRequest);

        Assert.Equal(5, (await system.GetProductAsync(sku)).GetProperty("gate_stock").GetInt32());
    }

    private static string Json(object value) => JsonSerializer.Serialize(value);

    private Task<HttpResponseMessage> PutProductAsync(string sku, string json)
    {
        var request = new HttpRequestMessage(HttpMethod.Put, $"/api/v1/products/{sku}") { Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json") };
        request.Headers.Add("X-Api-Key", OmniFlowSystem.AdminKey);
        return system.Http.SendAsync(request, Cancellation);
    }
}
