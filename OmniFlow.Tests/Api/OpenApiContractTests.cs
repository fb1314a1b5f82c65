using System.Net;
using System.Text;
using System.Text.Json;

namespace OmniFlow.Tests.Api;

/// <summary>
/// The OpenAPI document against the endpoints' real answers: every answer it lists for an operation is provoked here,
/// every answer provoked is listed, and exactly the operations that require a security scheme answer 401 without it.
/// </summary>
[Collection(SystemCollection.Name)]
public sealed class OpenApiContractTests(OmniFlowSystem system)
{
    private const string Json = "application/json";

    private static readonly string TooLarge = $$"""{"name": "{{new string('x', 17 * 1024)}}"}""";

    [Fact]
    public async Task The_document_lists_exactly_the_answers_each_operation_gives_and_the_security_it_requires()
    {
        system.EnsureAvailable();
        var token = TestContext.Current.CancellationToken;
        var document = await Problems.JsonAsync(await system.Http.GetAsync("/openapi/v1.json", token), HttpStatusCode.OK);
        var operations = DocumentedOperation.Read(document);
        var schemes = document.GetProperty("components").GetProperty("securitySchemes");
        Assert.All(schemes.EnumerateObject(), scheme =>
        {
            Assert.Equal("apiKey", scheme.Value.GetProperty("type").GetString());
            Assert.Equal("header", scheme.Value.GetProperty("in").GetString());
            Assert.False(string.IsNullOrEmpty(scheme.Value.GetProperty("description").GetString()));
        });
        var adminHeader = schemes.GetProperty("AdminKey").GetProperty("name").GetString()!;
        var signatureHeader = schemes.GetProperty("PaymentSignature").GetProperty("name").GetString()!;

        using var log = new AnswerLog(operations);
        using var http = new HttpClient(log, disposeHandler: false) { BaseAddress = system.Http.BaseAddress };
        await using var down = await UnavailableDependenciesApi.StartAsync(system);
        using var unavailable = new HttpClient(log, disposeHandler: false) { BaseAddress = down.Address };
        var admin = (adminHeader, OmniFlowSystem.AdminKey);
        var wrongKey = (adminHeader, "not-the-key");

        // Security: without credentials exactly the operations that name a scheme answer 401; a wrong admin key is 403.
        foreach (var operation in operations)
        {
            var status = await StatusAsync(http, operation.Method, operation.PathWith("none"), operation.HasBody ? "{}" : null);
            Assert.True((status == HttpStatusCode.Unauthorized) == (operation.Schemes.Count > 0),
                $"{operation.Name} answered {(int)status} without credentials; the document requires [{string.Join(", ", operation.Schemes)}].");
            if (operation.Schemes.Contains("AdminKey"))
            {
                Assert.Equal(HttpStatusCode.Forbidden, await StatusAsync(http, operation.Method, operation.PathWith("none"), operation.HasBody ? "{}" : null, headers: wrongKey));
            }
        }

        Assert.Equal(["PaymentSignature"], operations.Single(operation => operation.Path.EndsWith("/pay", StringComparison.Ordinal)).Schemes);

        // Products.
        var sku = ProductsApiTests.Sku();
        var product = $$"""{"name": "Phone", "price": 100, "stock": 5, "warehouse": "SH"}""";
        await ExpectAsync(HttpStatusCode.OK, http, "PUT", $"/api/v1/products/{sku}", product, headers: admin);
        await ExpectAsync(HttpStatusCode.BadRequest, http, "PUT", $"/api/v1/products/{sku}", """{"name": "", "price": -1, "stock": 1}""", headers: admin);
        await ExpectAsync(HttpStatusCode.RequestEntityTooLarge, http, "PUT", $"/api/v1/products/{sku}", TooLarge, headers: admin);
        await ExpectAsync(HttpStatusCode.UnsupportedMediaType, http, "PUT", $"/api/v1/products/{sku}", product, "text/plain", admin);
        var flaky = ProductsApiTests.Sku();
        system.FlakyGate.FailSetStock(flaky);
        await ExpectAsync(HttpStatusCode.ServiceUnavailable, http, "PUT", $"/api/v1/products/{flaky}", product, headers: admin);
        system.FlakyGate.Heal(flaky);
        await ExpectAsync(HttpStatusCode.OK, http, "GET", $"/api/v1/products/{sku}");
        await ExpectAsync(HttpStatusCode.NotFound, http, "GET", "/api/v1/products/NO-SUCH-SKU");
        await ExpectAsync(HttpStatusCode.ServiceUnavailable, unavailable, "GET", $"/api/v1/products/{sku}");

        // Orders.
        var order = $$"""{"user_id": "u-contract", "items": ["{{sku}}"]}""";
        var orderId = (await JsonAsync(HttpStatusCode.OK, http, "POST", "/api/v1/orders", order)).GetProperty("order_id").GetString()!;
        await ExpectAsync(HttpStatusCode.BadRequest, http, "POST", "/api/v1/orders", """{"items": []}""");
        await ExpectAsync(HttpStatusCode.NotFound, http, "POST", "/api/v1/orders", """{"items": ["NO-SUCH-SKU"]}""");
        await ExpectAsync(HttpStatusCode.UnprocessableEntity, http, "POST", "/api/v1/orders", $$"""{"items": ["{{sku}}"], "amount": 1}""");
        await ExpectAsync(HttpStatusCode.RequestEntityTooLarge, http, "POST", "/api/v1/orders", TooLarge);
        await ExpectAsync(HttpStatusCode.UnsupportedMediaType, http, "POST", "/api/v1/orders", order, "text/plain");
        await ExpectAsync(HttpStatusCode.TooManyRequests, http, "POST", "/api/v1/orders", order);
        var abandonedKey = Guid.NewGuid().ToString();
        await system.FlakyGate.ReleaseAsync(OmniFlow.Api.Orders.OrderIds.ForIdempotencyKey(abandonedKey), token);
        await ExpectAsync(HttpStatusCode.Conflict, http, "POST", "/api/v1/orders", order, headers: ("Idempotency-Key", abandonedKey));
        await ExpectAsync(HttpStatusCode.ServiceUnavailable, unavailable, "POST", "/api/v1/orders", order);
        await ExpectAsync(HttpStatusCode.OK, http, "GET", $"/api/v1/orders?sku={sku}", headers: admin);
        await ExpectAsync(HttpStatusCode.BadRequest, http, "GET", "/api/v1/orders?limit=0", headers: admin);
        await ExpectAsync(HttpStatusCode.ServiceUnavailable, unavailable, "GET", "/api/v1/orders", headers: admin);
        var unknownOrder = $"ORDER-{Guid.NewGuid()}";
        await ExpectAsync(HttpStatusCode.NotFound, http, "GET", $"/api/v1/orders/{unknownOrder}");
        await ExpectAsync(HttpStatusCode.ServiceUnavailable, unavailable, "GET", $"/api/v1/orders/{orderId}");

        // Payments, signed with the scheme's header.
        await system.WaitForStatusAsync(orderId, "PENDING_PAYMENT");
        await ExpectAsync(HttpStatusCode.OK, http, "GET", $"/api/v1/orders/{orderId}");
        await PayAsync(HttpStatusCode.UnprocessableEntity, http, orderId, """{"payment_id": "pay-short", "amount": 1}""");
        await PayAsync(HttpStatusCode.OK, http, orderId, """{"payment_id": "pay-1", "amount": 100}""");
        await PayAsync(HttpStatusCode.Conflict, http, orderId, """{"payment_id": "pay-2", "amount": 100}""");
        await PayAsync(HttpStatusCode.BadRequest, http, orderId, """{"payment_id": "pay-3"}""");
        await PayAsync(HttpStatusCode.NotFound, http, unknownOrder, """{"payment_id": "pay-1", "amount": 100}""");
        await PayAsync(HttpStatusCode.RequestEntityTooLarge, http, orderId, TooLarge);
        await PayAsync(HttpStatusCode.ServiceUnavailable, unavailable, orderId, """{"payment_id": "pay-1", "amount": 100}""");

        // Audits: an order at the audit threshold waits for one.
        var audited = ProductsApiTests.Sku();
        await ExpectAsync(HttpStatusCode.OK, http, "PUT", $"/api/v1/products/{audited}", """{"name": "Safe", "price": 10000, "stock": 1}""", headers: admin);
        var auditedOrder = (await JsonAsync(HttpStatusCode.OK, http, "POST", "/api/v1/orders", $$"""{"items": ["{{audited}}"]}""")).GetProperty("order_id").GetString()!;
        await system.WaitForStatusAsync(auditedOrder, "AWAITING_AUDIT");
        var decision = """{"approved": false, "reason": "risk score 97"}""";
        await ExpectAsync(HttpStatusCode.BadRequest, http, "POST", $"/api/v1/orders/{auditedOrder}/audit", """{"reason": "no decision"}""", headers: admin);
        await ExpectAsync(HttpStatusCode.UnsupportedMediaType, http, "POST", $"/api/v1/orders/{auditedOrder}/audit", decision, "text/plain", admin);
        await ExpectAsync(HttpStatusCode.RequestEntityTooLarge, http, "POST", $"/api/v1/orders/{auditedOrder}/audit", TooLarge, headers: admin);
        await ExpectAsync(HttpStatusCode.OK, http, "POST", $"/api/v1/orders/{auditedOrder}/audit", decision, headers: admin);
        await ExpectAsync(HttpStatusCode.Conflict, http, "POST", $"/api/v1/orders/{orderId}/audit", decision, headers: admin);
        await ExpectAsync(HttpStatusCode.NotFound, http, "POST", $"/api/v1/orders/{unknownOrder}/audit", decision, headers: admin);
        await ExpectAsync(HttpStatusCode.ServiceUnavailable, unavailable, "POST", $"/api/v1/orders/{orderId}/audit", decision, headers: admin);

        // Reconciliations: one run, awaited so that it does not outlive the test.
        var runId = (await JsonAsync(HttpStatusCode.Accepted, http, "POST", "/api/v1/admin/reconciliations", headers: admin)).GetProperty("id").GetString()!;
        await system.Temporal.Client.GetWorkflowHandle(runId).GetResultAsync(rpcOptions: new() { CancellationToken = token });
        await ExpectAsync(HttpStatusCode.OK, http, "GET", $"/api/v1/admin/reconciliations/{runId}", headers: admin);
        await ExpectAsync(HttpStatusCode.NotFound, http, "GET", "/api/v1/admin/reconciliations/reconciliation-none", headers: admin);
        await ExpectAsync(HttpStatusCode.OK, http, "GET", "/api/v1/admin/reconciliations?limit=1", headers: admin);
        await ExpectAsync(HttpStatusCode.BadRequest, http, "GET", "/api/v1/admin/reconciliations?limit=0", headers: admin);
        await ExpectAsync(HttpStatusCode.ServiceUnavailable, unavailable, "POST", "/api/v1/admin/reconciliations", headers: admin);
        await ExpectAsync(HttpStatusCode.ServiceUnavailable, unavailable, "GET", "/api/v1/admin/reconciliations", headers: admin);
        await ExpectAsync(HttpStatusCode.ServiceUnavailable, unavailable, "GET", $"/api/v1/admin/reconciliations/{runId}", headers: admin);

        // Notifications.
        await ExpectAsync(HttpStatusCode.OK, http, "GET", $"/api/v1/admin/notifications?order_id={orderId}", headers: admin);
        await ExpectAsync(HttpStatusCode.BadRequest, http, "GET", "/api/v1/admin/notifications", headers: admin);
        await ExpectAsync(HttpStatusCode.ServiceUnavailable, unavailable, "GET", $"/api/v1/admin/notifications?order_id={orderId}", headers: admin);

        Assert.Empty(log.Unmatched);
        Assert.All(operations, operation =>
        {
            var answered = log.For(operation);
            Assert.True(operation.Statuses.SetEquals(answered),
                $"{operation.Name}: documented but never answered [{string.Join(", ", operation.Statuses.Except(answered).Order())}], " +
                $"answered but not documented [{string.Join(", ", answered.Except(operation.Statuses).Order())}].");
        });

        async Task PayAsync(HttpStatusCode expected, HttpClient client, string id, string body) =>
            await ExpectAsync(expected, client, "POST", $"/api/v1/orders/{id}/pay", body, headers: (signatureHeader, OmniFlowSystem.Sign(id, body)));
    }

    private static async Task ExpectAsync(
        HttpStatusCode expected, HttpClient client, string method, string path, string? body = null, string contentType = Json, params (string Name, string Value)[] headers)
    {
        using var response = await SendAsync(client, method, path, body, contentType, headers);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(expected == response.StatusCode, $"{method} {path}: expected {(int)expected}, got {(int)response.StatusCode}: {text}");
    }

    private static async Task<JsonElement> JsonAsync(
        HttpStatusCode expected, HttpClient client, string method, string path, string? body = null, params (string Name, string Value)[] headers)
    {
        using var response = await SendAsync(client, method, path, body, Json, headers);
        return await Problems.JsonAsync(response, expected);
    }

    private static async Task<HttpStatusCode> StatusAsync(
        HttpClient client, string method, string path, string? body = null, string contentType = Json, params (string Name, string Value)[] headers)
    {
        using var response = await SendAsync(client, method, path, body, contentType, headers);
        return response.StatusCode;
    }

    private static Task<HttpResponseMessage> SendAsync(HttpClient client, string method, string path, string? body, string contentType, (string Name, string Value)[] headers)
    {
        var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, contentType);
        }

        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return client.SendAsync(request, TestContext.Current.CancellationToken);
    }
}
