using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using OmniFlow.Api.Orders;
using OmniFlow.Fulfillment.Admission;
using OmniFlow.Tests.Admission;

namespace OmniFlow.Tests.Api;

/// <summary>Every order endpoint of the contract, over real HTTP against the whole system.</summary>
public abstract class OrdersApiContract(OmniFlowSystem system)
{
    [Fact]
    public async Task An_order_is_admitted_paid_and_completed()
    {
        system.EnsureAvailable();
        var sku = ProductsApiTests.Sku();
        await system.PutProductAsync(sku, 5);

        using var created = await system.PostJsonAsync("/api/v1/orders", $$"""{"user_id": "u-42", "items": ["{{sku}}"], "amount": 100}""");
        var accepted = await Problems.JsonAsync(created, HttpStatusCode.OK);
        var orderId = accepted.GetProperty("order_id").GetString()!;
        Assert.StartsWith("ORDER-", orderId);
        Assert.True(Guid.TryParse(orderId["ORDER-".Length..], out _));
        Assert.False(string.IsNullOrEmpty(accepted.GetProperty("run_id").GetString()));
        Assert.False(string.IsNullOrEmpty(accepted.GetProperty("message").GetString()));

        var pending = await system.WaitForStatusAsync(orderId, "PENDING_PAYMENT");
        Assert.Equal("u-42", pending.GetProperty("user_id").GetString());
        Assert.Equal(100m, pending.GetProperty("amount").GetDecimal());
        Assert.Equal(JsonValueKind.String, pending.GetProperty("payment_deadline").ValueKind);
        var item = Assert.Single(pending.GetProperty("items").EnumerateArray());
        Assert.Equal(sku, item.GetProperty("sku").GetString());
        Assert.Equal(1, item.GetProperty("quantity").GetInt32());
        Assert.All(pending.GetProperty("timeline").EnumerateArray(), entry =>
        {
            Assert.Equal(JsonValueKind.String, entry.GetProperty("at").ValueKind);
            Assert.False(string.IsNullOrEmpty(entry.GetProperty("event").GetString()));
        });

        using var paid = await system.PayAsync(orderId, "pay-1", 100m);
        var answer = await Problems.JsonAsync(paid, HttpStatusCode.OK);
        Assert.Equal(orderId, answer.GetProperty("order_id").GetString());
        Assert.Contains(answer.GetProperty("timeline").EnumerateArray(), entry => entry.GetProperty("event").GetString() == "payment pay-1 received");
        using var again = await system.PayAsync(orderId, "pay-1", 100m);
        Assert.Equal(answer.GetRawText(), (await Problems.JsonAsync(again, HttpStatusCode.OK)).GetRawText());

        var completed = await system.WaitForStatusAsync(orderId, "COMPLETED");
        using var afterwards = await system.PayAsync(orderId, "pay-1", 100m);
        Assert.Equal(answer.GetRawText(), (await Problems.JsonAsync(afterwards, HttpStatusCode.OK)).GetRawText());
        Assert.Contains(completed.GetProperty("timeline").EnumerateArray(), entry => entry.GetProperty("event").GetString() == "payment pay-1 captured");
        var product = await system.GetProductAsync(sku);
        Assert.Equal(4, product.GetProperty("stock").GetInt32());
        Assert.Equal(4, product.GetProperty("gate_stock").GetInt32());

        await WaitForStoredStatusAsync(orderId, "COMPLETED");
    }

    [Fact]
    public async Task Sold_out_and_the_user_limit_are_429_with_error()
    {
        system.EnsureAvailable();
        var sku = ProductsApiTests.Sku();
        await system.PutProductAsync(sku, 1);
        await system.CreateOrderAsync($$"""{"user_id": "u-1", "items": ["{{sku}}"], "amount": 100}""");

        using var soldOut = await system.PostJsonAsync("/api/v1/orders", $$"""{"user_id": "u-2", "items": ["{{sku}}"], "amount": 100}""");
        var problem = await Problems.AssertProblemAsync(soldOut, HttpStatusCode.TooManyRequests);
        Assert.Equal("sold out", problem.GetProperty("error").GetString());

        var other = ProductsApiTests.Sku();
        await system.PutProductAsync(other, 10);
        await system.CreateOrderAsync($$"""{"user_id": "u-3", "items": ["{{other}}"], "amount": 100}""");
        using var limited = await system.PostJsonAsync("/api/v1/orders", $$"""{"user_id": "u-3", "items": ["{{other}}"], "amount": 100}""");
        var limit = await Problems.AssertProblemAsync(limited, HttpStatusCode.TooManyRequests);
        Assert.Equal("user limit reached", limit.GetProperty("error").GetString());
        Assert.Equal(9, (await system.GetProductAsync(other)).GetProperty("gate_stock").GetInt32());
    }

    [Fact]
    public async Task A_sold_out_crowd_is_answered_at_the_door_and_every_other_keyless_order_goes_in_unread()
    {
        system.EnsureAvailable();
        var (sku, available) = await SoldOutAndAvailableAsync();
        foreach (var crowd in new[]
                 {
                     $$"""{"user_id": "u-3", "items": ["{{sku}}"], "amount": 100}""",
                     $$"""{"items": [{"sku": "{{available}}", "quantity": 2}, "{{sku}}"], "amount": 300}""",
                 })
        {
            var answered = await AtTheDoorAsync(crowd);
            Assert.Equal(Door.Answered, answered.Outcome);
            Assert.Equal(StatusCodes.Status429TooManyRequests, answered.Context.Response.StatusCode);
            var problem = JsonSerializer.Deserialize<JsonElement>(((MemoryStream)answered.Context.Response.Body).ToArray());
            Assert.Equal("sold out", problem.GetProperty("error").GetString());
            Assert.Contains(sku, problem.GetProperty("detail").GetString());
            Assert.Equal(answered.Context.TraceIdentifier, problem.GetProperty("trace_id").GetString());
            Assert.Empty(answered.BodyLeft);
        }

        // The endpoint answers each of these otherwise (or admits it), so each goes in with its whole body unread.
        foreach (var body in new[]
                 {
                     $$"""{"user_id": "u-4", "items": ["{{sku}}"], "amount": 99}""",
                     $$"""{"user_id": "u-4", "items": ["{{sku}}", "NO-SUCH-SKU"]}""",
                     $$"""{"user_id": "u-4", "items": [{"sku": "{{sku}}", "quantity": 0}]}""",
                     $$"""{"USER_ID": "u-4", "items": ["{{sku}}"]}""",
                     $$"""{"user_id": "u-4", "items": ["{{available}}"]}""",
                 })
        {
            var unread = await AtTheDoorAsync(body);
            Assert.Equal(Door.WentInUnread, unread.Outcome);
            Assert.Equal(body, unread.BodyLeft);
            Assert.Equal(StatusCodes.Status200OK, unread.Context.Response.StatusCode);
        }

        // A keyed order, a query, and a body in another charset (which the endpoint transcodes first) go in at once.
        Assert.Equal(Door.WentInAtOnce, (await AtTheDoorAsync($$"""{"user_id": "u-4", "items": ["{{sku}}"]}""", idempotencyKey: "key-1")).Outcome);
        Assert.Equal(Door.WentInAtOnce, (await AtTheDoorAsync($$"""{"user_id": "u-4", "items": ["{{sku}}"]}""", query: "?x=1")).Outcome);
        Assert.Equal(Door.WentInAtOnce,
            (await AtTheDoorAsync($$"""{"user_id": "u-4", "items": ["{{sku}}"]}""", contentType: "application/json; charset=iso-8859-1")).Outcome);
        Assert.Equal(Door.Answered, (await AtTheDoorAsync($$"""{"user_id": "u-4", "items": ["{{sku}}"]}""", contentType: "application/json; charset=utf-8")).Outcome);
    }

    [Fact]
    public async Task An_order_gets_the_same_answer_at_the_door_as_inside()
    {
        system.EnsureAvailable();
        var (sku, _) = await SoldOutAndAvailableAsync();
        foreach (var body in new[]
                 {
                     $$"""{"user_id": "u-5", "items": ["{{sku}}"], "amount": 100}""",
                     $$"""{"user_id": "u-5", "items": ["{{sku}}"], "amount": 99}""",
                     $$"""{"user_id": "u-5", "items": ["{{sku}}", "NO-SUCH-SKU"]}""",
                     $$"""{"user_id": "u-5", "items": [{"sku": "{{sku}}", "quantity": 0}]}""",
                     $$"""{"user_id": "u-5", "items": ["{{sku}}"], "note": "gift"}""",
                     $$"""{"user_id": "u-5", "items": ["{{sku}}"],}""",
                 })
        {
            // A chunked body has no Content-Length, so the door lets it in at once.
            using var door = await system.PostJsonAsync("/api/v1/orders", body);
            using var chunked = new HttpRequestMessage(HttpMethod.Post, "/api/v1/orders")
            {
                Content = new StringContent(body, Encoding.UTF8, "application/json"),
                Headers = { TransferEncodingChunked = true },
            };
            using var inside = await system.Http.SendAsync(chunked, TestContext.Current.CancellationToken);
            Assert.Equal(inside.StatusCode, door.StatusCode);
            Assert.Equal(WithoutTraceId(await inside.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)),
                WithoutTraceId(await door.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)));
        }
    }

    /// <summary>A sku the gate knows is sold out (its one unit bought, then a request turned away) and one with stock.</summary>
    private async Task<(string SoldOut, string Available)> SoldOutAndAvailableAsync()
    {
        var sku = ProductsApiTests.Sku();
        var available = ProductsApiTests.Sku();
        await system.PutProductAsync(sku, 1);
        await system.PutProductAsync(available, 5);
        await system.CreateOrderAsync($$"""{"user_id": "u-1", "items": ["{{sku}}"], "amount": 100}""");
        using var learned = await system.PostJsonAsync("/api/v1/orders", $$"""{"user_id": "u-2", "items": ["{{sku}}"]}""");
        await Problems.AssertProblemAsync(learned, HttpStatusCode.TooManyRequests);
        return (sku, available);
    }

    private static string WithoutTraceId(string problem)
    {
        var node = System.Text.Json.Nodes.JsonNode.Parse(problem)!.AsObject();
        Assert.True(node.Remove("trace_id"));
        return node.ToJsonString();
    }

    private enum Door
    {
        Answered,
        WentInUnread,
        WentInAtOnce,
    }

    /// <summary>The Api's door, with its admission, on a request as the server parsed it; what is left of the body after it.</summary>
    private async Task<(DefaultHttpContext Context, Door Outcome, string BodyLeft)> AtTheDoorAsync(
        string body, string? idempotencyKey = null, string contentType = "application/json", string query = "")
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        var context = new DefaultHttpContext
        {
            Request =
            {
                Method = HttpMethods.Post, Path = SoldOutDoor.OrdersPath, QueryString = new QueryString(query), ContentType = contentType,
                ContentLength = bytes.Length, Body = new MemoryStream(bytes),
            },
            Response = { Body = new MemoryStream() },
        };
        context.Features.Set<IRequestBodyPipeFeature>(new RequestBodyPipeFeature(context));
        context.Features.Set<IHttpRequestIdentifierFeature>(new HttpRequestIdentifierFeature());
        if (idempotencyKey is not null)
        {
            context.Request.Headers[OrdersApi.IdempotencyKeyHeader] = idempotencyKey;
        }

        var outcome = !SoldOutDoor.MayAnswer(context.Features) ? Door.WentInAtOnce
            : await system.ApiServices.GetRequiredService<SoldOutDoor>().TryAnswerAsync(context.Features) ? Door.Answered
            : Door.WentInUnread;
        var reader = context.Request.BodyReader;
        var read = await reader.ReadAsync(TestContext.Current.CancellationToken);
        while (!read.IsCompleted)
        {
            reader.AdvanceTo(read.Buffer.Start, read.Buffer.End);
            read = await reader.ReadAsync(TestContext.Current.CancellationToken);
        }

        var left = Encoding.UTF8.GetString(read.Buffer);
        reader.AdvanceTo(read.Buffer.End);
        return (context, outcome, left);
    }

    [Fact]
    public async Task Bad_input_is_400_and_changes_nothing()
    {
        system.EnsureAvailable();
        var sku = ProductsApiTests.Sku();
        await system.PutProductAsync(sku, 5);

        string[] bodies =
        [
            "{\"items\": [",
            "not json",
            "{\"items\": [], \"amount\": 100}",
            "{\"amount\": 100}",
            $$"""{"items": [{"sku": "{{sku}}", "quantity": 0}], "amount": 100}""",
            $$"""{"items": ["{{sku}}"], "amount": 0}""",
            $$"""{"items": ["{{sku}}"], "amount": -5}""",
            $$"""{"items": ["{{sku}}"], "amount": 1e30}""",
            """{"items": ["bad sku!"], "amount": 100}""",
            $$"""{"items": ["{{sku}}"], "amount": "a lot"}""",
            $$"""{"items": [42], "amount": 100}""",
            $$"""{"items": ["{{sku}}"], "amount": 100, "user_id": 7}""",
            $$"""{"items": [{"sku": "{{sku}}", "quantity": "two"}], "amount": 100}""",
        ];
        foreach (var body in bodies)
        {
            using var response = await system.PostJsonAsync("/api/v1/orders", body);
            await Problems.AssertProblemAsync(response, HttpStatusCode.BadRequest);
        }

        var product = await system.GetProductAsync(sku);
        Assert.Equal(5, product.GetProperty("stock").GetInt32());
        Assert.Equal(5, product.GetProperty("gate_stock").GetInt32());
    }

    [Fact]
    public async Task Unknown_skus_and_orders_are_404()
    {
        system.EnsureAvailable();
        using var unknownSku = await system.PostJsonAsync("/api/v1/orders", """{"items": ["NO-SUCH-SKU-123"], "amount": 100}""");
        await Problems.AssertProblemAsync(unknownSku, HttpStatusCode.NotFound);

        var missing = $"ORDER-{Guid.NewGuid()}";
        await Problems.AssertProblemAsync(await system.Http.GetAsync($"/api/v1/orders/{missing}", TestContext.Current.CancellationToken), HttpStatusCode.NotFound);
        await Problems.AssertProblemAsync(await system.Http.GetAsync("/api/v1/orders/whatever", TestContext.Current.CancellationToken), HttpStatusCode.NotFound);
        await Problems.AssertProblemAsync(await system.PayAsync(missing, "pay-1", 100m), HttpStatusCode.NotFound);
        await Problems.AssertProblemAsync(
            await system.PostJsonAsync($"/api/v1/orders/{missing}/audit", """{"approved": true}""", ("X-Api-Key", OmniFlowSystem.AdminKey)),
            HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task An_idempotency_key_maps_to_one_order()
    {
        system.EnsureAvailable();
        var sku = ProductsApiTests.Sku();
        await system.PutProductAsync(sku, 5);
        var key = Guid.NewGuid().ToString();
        var body = $$"""{"items": [{"sku": "{{sku}}", "quantity": 2}], "amount": 200}""";

        var first = await system.CreateOrderAsync(body, ("Idempotency-Key", key));
        var second = await system.CreateOrderAsync(body, ("Idempotency-Key", key));
        Assert.Equal(first, second);

        using var different = await system.PostJsonAsync("/api/v1/orders", $$"""{"items": [{"sku": "{{sku}}", "quantity": 1}], "amount": 100}""", ("Idempotency-Key", key));
        await Problems.AssertProblemAsync(different, HttpStatusCode.UnprocessableEntity);

        Assert.Equal(3, (await system.GetProductAsync(sku)).GetProperty("gate_stock").GetInt32());
        await system.WaitForStatusAsync(first, "PENDING_PAYMENT");
        Assert.Equal(3, (await system.GetProductAsync(sku)).GetProperty("stock").GetInt32());
    }

    [Fact]
    public async Task Concurrent_requests_with_one_idempotency_key_get_the_one_order()
    {
        system.EnsureAvailable();
        var sku = ProductsApiTests.Sku();
        await system.PutProductAsync(sku, 5);
        var key = Guid.NewGuid().ToString();
        var body = $$"""{"user_id": "u-same-key", "items": ["{{sku}}"], "amount": 100}""";

        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(async _ =>
        {
            using var response = await system.PostJsonAsync("/api/v1/orders", body, ("Idempotency-Key", key));
            return (response.StatusCode, Text: await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        }));

        Assert.All(responses, response => Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {response.Text}"));
        var orderId = Assert.Single(responses.Select(response => JsonSerializer.Deserialize<JsonElement>(response.Text).GetProperty("order_id").GetString()).Distinct());
        Assert.Equal(4, (await system.GetProductAsync(sku)).GetProperty("gate_stock").GetInt32());
        await system.WaitForStatusAsync(orderId!, "PENDING_PAYMENT");
        Assert.Equal(4, (await system.GetProductAsync(sku)).GetProperty("stock").GetInt32());

        using var different = await system.PostJsonAsync("/api/v1/orders", body.Replace("\"amount\": 100", "\"amount\": 200", StringComparison.Ordinal), ("Idempotency-Key", key));
        await Problems.AssertProblemAsync(different, HttpStatusCode.UnprocessableEntity);
        Assert.Equal(orderId, await system.CreateOrderAsync(body, ("Idempotency-Key", key)));
        Assert.Equal(4, (await system.GetProductAsync(sku)).GetProperty("gate_stock").GetInt32());
    }

    [Fact]
    public async Task A_key_the_gate_turned_away_holds_no_order_and_can_be_used_again()
    {
        system.EnsureAvailable();
        var sku = ProductsApiTests.Sku();
        await system.PutProductAsync(sku, 0);
        var key = Guid.NewGuid().ToString();
        var body = $$"""{"user_id": "u-turned-away", "items": ["{{sku}}"], "amount": 100}""";

        var responses = await Task.WhenAll(Enumerable.Range(0, 10).Select(async _ =>
        {
            using var response = await system.PostJsonAsync("/api/v1/orders", body, ("Idempotency-Key", key));
            return (response.StatusCode, Text: await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        }));
        Assert.All(responses, response => Assert.True(response.StatusCode == HttpStatusCode.TooManyRequests, $"{(int)response.StatusCode}: {response.Text}"));
        Assert.False(await system.HasOrderForKeyAsync(key));

        await system.PutProductAsync(sku, 1);
        var orderId = await system.CreateOrderAsync(body, ("Idempotency-Key", key));
        Assert.Equal(orderId, await system.CreateOrderAsync(body, ("Idempotency-Key", key)));
        Assert.Equal(0, (await system.GetProductAsync(sku)).GetProperty("gate_stock").GetInt32());
    }

    [Fact]
    public async Task A_key_whose_admission_was_given_back_without_an_order_is_409_and_takes_nothing()
    {
        system.EnsureAvailable();
        var sku = ProductsApiTests.Sku();
        await system.PutProductAsync(sku, 5);
        var key = Guid.NewGuid().ToString();
        await system.FlakyGate.ReleaseAsync(OrderIds.ForIdempotencyKey(key), TestContext.Current.CancellationToken);

        using var response = await system.PostJsonAsync("/api/v1/orders", $$"""{"user_id": "u-abandoned", "items": ["{{sku}}"]}""", ("Idempotency-Key", key));

        await Problems.AssertProblemAsync(response, HttpStatusCode.Conflict);
        Assert.False(await system.HasOrderForKeyAsync(key));
        Assert.Equal(5, (await system.GetProductAsync(sku)).GetProperty("gate_stock").GetInt32());
    }

    [Fact]
    public async Task After_a_sell_out_a_new_key_is_429_without_a_row_and_the_key_that_bought_still_gets_its_order()
    {
        system.EnsureAvailable();
        var sku = ProductsApiTests.Sku();
        await system.PutProductAsync(sku, 1);
        var buyer = Guid.NewGuid().ToString();
        var body = $$"""{"user_id": "u-last-unit", "items": ["{{sku}}"], "amount": 100}""";
        var orderId = await system.CreateOrderAsync(body, ("Idempotency-Key", buyer));
        using var soldOutAnswers = new CounterRecorder(system.ApiServices.GetRequiredService<AdmissionTelemetry>(), "omniflow.admission.sold_out");
        using (var keyless = await system.PostJsonAsync("/api/v1/orders", $$"""{"items": ["{{sku}}"], "amount": 100}"""))
        {
            await Problems.AssertProblemAsync(keyless, HttpStatusCode.TooManyRequests);
        }

        var latecomer = Guid.NewGuid().ToString();
        using var late = await system.PostJsonAsync("/api/v1/orders", $$"""{"user_id": "u-late", "items": ["{{sku}}"], "amount": 100}""", ("Idempotency-Key", latecomer));

        Assert.Equal("sold out", (await Problems.AssertProblemAsync(late, HttpStatusCode.TooManyRequests)).GetProperty("error").GetString());
        Assert.False(await system.HasOrderForKeyAsync(latecomer));
        Assert.Equal(2, soldOutAnswers.Total);
        Assert.Equal(orderId, await system.CreateOrderAsync(body, ("Idempotency-Key", buyer)));
        Assert.Equal(0, (await system.GetProductAsync(sku)).GetProperty("gate_stock").GetInt32());
    }

    [Fact]
    public async Task Credentials_are_checked_before_the_body_is_read()
    {
        system.EnsureAvailable();
        var order = $"ORDER-{Guid.NewGuid()}";
        foreach (var body in new[] { "{\"approved\": ", "not json", "{\"approved\": \"maybe\"}", "" })
        {
            await Problems.AssertProblemAsync(await system.PostJsonAsync($"/api/v1/orders/{order}/audit", body), HttpStatusCode.Unauthorized);
            await Problems.AssertProblemAsync(await system.PostJsonAsync($"/api/v1/orders/{order}/audit", body, ("X-Api-Key", "wrong")), HttpStatusCode.Forbidden);
        }

        foreach (var body in new[] { "{\"payment_id\": ", "not json", "{\"amount\": \"x\"}", "" })
        {
            await Problems.AssertProblemAsync(await system.PostJsonAsync($"/api/v1/orders/{order}/pay", body), HttpStatusCode.Unauthorized);
            await Problems.AssertProblemAsync(
                await system.PostJsonAsync($"/api/v1/orders/{order}/pay", body, ("X-Signature", $"t={DateTimeOffset.UtcNow.ToUnixTimeSeconds()},v1={new string('0', 64)}")),
                HttpStatusCode.Unauthorized);
        }

        await Problems.AssertProblemAsync(await system.Http.GetAsync("/api/v1/orders?limit=lots", TestContext.Current.CancellationToken), HttpStatusCode.Unauthorized);
        using var wrong = new HttpRequestMessage(HttpMethod.Get, "/api/v1/orders?limit=lots");
        wrong.Headers.Add("X-Api-Key", "wrong");
        await Problems.AssertProblemAsync(await system.Http.SendAsync(wrong, TestContext.Current.CancellationToken), HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task A_payment_signature_binds_the_order_and_the_moment()
    {
        system.EnsureAvailable();
        var sku = ProductsApiTests.Sku();
        await system.PutProductAsync(sku, 5);
        var orderId = await system.CreateOrderAsync($$"""{"items": ["{{sku}}"], "amount": 100}""");
        var otherOrder = await system.CreateOrderAsync($$"""{"items": ["{{sku}}"], "amount": 100}""");
        await system.WaitForStatusAsync(orderId, "PENDING_PAYMENT");

        var body = JsonSerializer.Serialize(new { payment_id = "pay-x", amount = 100m });
        var now = DateTimeOffset.UtcNow;
        var t = now.ToUnixTimeSeconds();
        var good = OmniFlowSystem.Sign(orderId, body);
        string?[] unsigned =
        [
            null,
            "garbage",
            "sha256=" + new string('0', 64),
            good.Replace("t=", "t=x", StringComparison.Ordinal),
            good[..^1],
            $"{good},v1={new string('0', 64)}",
            $"t={t}",
            OmniFlowSystem.Sign(otherOrder, body),
            OmniFlowSystem.Sign(orderId, body, now - TimeSpan.FromMinutes(5) - TimeSpan.FromSeconds(30)),
            OmniFlowSystem.Sign(orderId, body, now + TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(30)),
            OmniFlowSystem.Sign(orderId, body, secret: "not-the-secret"),
            OmniFlowSystem.Sign(orderId, body.Replace("100", "100.0", StringComparison.Ordinal)),
        ];
        foreach (var signature in unsigned)
        {
            using var response = signature is null
                ? await system.PostJsonAsync($"/api/v1/orders/{orderId}/pay", body)
                : await system.PostJsonAsync($"/api/v1/orders/{orderId}/pay", body, ("X-Signature", signature));
            await Problems.AssertProblemAsync(response, HttpStatusCode.Unauthorized);
        }

        var order = await system.GetOrderAsync(orderId);
        Assert.Equal("PENDING_PAYMENT", order.GetProperty("status").GetString());
        Assert.DoesNotContain(order.GetProperty("timeline").EnumerateArray(), entry => entry.GetProperty("event").GetString()!.Contains("pay-x", StringComparison.Ordinal));

        // Within the tolerance, for this order: taken; the same signed request again is harmless.
        using var paid = await system.PayAsync(orderId, "pay-x", 100m, OmniFlowSystem.Sign(orderId, body, now - TimeSpan.FromMinutes(4)));
        Assert.Equal(HttpStatusCode.OK, paid.StatusCode);
        using var replayed = await system.PayAsync(orderId, "pay-x", 100m, OmniFlowSystem.Sign(orderId, body, now - TimeSpan.FromMinutes(4)));
        Assert.Equal(HttpStatusCode.OK, replayed.StatusCode);
        await system.WaitForStatusAsync(orderId, "COMPLETED");
        Assert.Equal("PENDING_PAYMENT", (await system.GetOrderAsync(otherOrder)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_payment_of_another_amount_is_422_and_changes_nothing()
    {
        system.EnsureAvailable();
        var sku = ProductsApiTests.Sku();
        await system.PutProductAsync(sku, 5);
        var orderId = await system.CreateOrderAsync($$"""{"items": ["{{sku}}"], "amount": 100}""");
        var before = await system.WaitForStatusAsync(orderId, "PENDING_PAYMENT");

        await Problems.AssertProblemAsync(await system.PayAsync(orderId, "pay-cheap", 99.99m), HttpStatusCode.UnprocessableEntity);
        await Problems.AssertProblemAsync(await system.PayAsync(orderId, "pay-cheap", 99.99m), HttpStatusCode.UnprocessableEntity);

        var after = await system.GetOrderAsync(orderId);
        Assert.Equal("PENDING_PAYMENT", after.GetProperty("status").GetString());
        Assert.Equal(before.GetProperty("timeline").GetRawText(), after.GetProperty("timeline").GetRawText());
        using var paid = await system.PayAsync(orderId, "pay-right", 100m);
        Assert.Equal(HttpStatusCode.OK, paid.StatusCode);
    }

    [Fact]
    public async Task Another_payment_after_the_order_was_paid_is_409_and_refunded_once()
    {
        system.EnsureAvailable();
        var sku = ProductsApiTests.Sku();
        await system.PutProductAsync(sku, 5, price: 20_000m);
        var orderId = await system.CreateOrderAsync($$"""{"items": ["{{sku}}"], "amount": 20000}""");
        await system.WaitForStatusAsync(orderId, "AWAITING_AUDIT");

        // Paid early, while the audit is pending: the order has its payment, a second one cannot be taken.
        using var paid = await system.PayAsync(orderId, "pay-first", 20_000m);
        Assert.Equal(HttpStatusCode.OK, paid.StatusCode);
        await Problems.AssertProblemAsync(await system.PayAsync(orderId, "pay-second", 20_000m), HttpStatusCode.Conflict);
        await Problems.AssertProblemAsync(await system.PayAsync(orderId, "pay-second", 20_000m), HttpStatusCode.Conflict);

        var events = Events(await system.GetOrderAsync(orderId));
        Assert.Contains("payment pay-second arrived while the order was AWAITING_AUDIT: it will be refunded", events);
        Assert.Single(events, text => text == "payment pay-second refunded");

        using var approved = await system.PostJsonAsync($"/api/v1/orders/{orderId}/audit", """{"approved": true}""", ("X-Api-Key", OmniFlowSystem.AdminKey));
        Assert.Equal("AWAITING_AUDIT", (await Problems.JsonAsync(approved, HttpStatusCode.OK)).GetProperty("status").GetString());
        var completed = await system.WaitForStatusAsync(orderId, "COMPLETED");
        Assert.Contains("payment pay-first captured", Events(completed));

        // Closed: the second payment is still the one refund, the first still the order's.
        await Problems.AssertProblemAsync(await system.PayAsync(orderId, "pay-second", 20_000m), HttpStatusCode.Conflict);
        using var first = await system.PayAsync(orderId, "pay-first", 20_000m);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        await WaitForStoredStatusAsync(orderId, "COMPLETED");
        var stored = await system.Orders.GetAsync(orderId, TestContext.Current.CancellationToken);
        Assert.Single(stored!.Timeline, entry => entry.Event.Contains("pay-second", StringComparison.Ordinal) && entry.Event.Contains("refunded", StringComparison.Ordinal)
            && !entry.Event.Contains("will be", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_payment_no_worker_answers_is_503_after_a_bounded_wait()
    {
        system.EnsureAvailable();
        var orderId = $"ORDER-{Guid.NewGuid()}";
        var options = new Fulfillment.Orders.OrderWorkflowOptions(10_000m, TimeSpan.FromHours(1), TimeSpan.FromMinutes(30), "nobody-gate");
        var input = new Fulfillment.Orders.OrderInput(orderId, null, [new("SKU-NOBODY", 1, "SH")], 100m, options);
        var handle = await system.Temporal.Client.StartWorkflowAsync(
            (Fulfillment.Orders.OrderWorkflow wf) => wf.RunAsync(input), new(orderId, $"nobody-{Guid.NewGuid():N}"));

        var started = System.Diagnostics.Stopwatch.StartNew();
        await Problems.AssertProblemAsync(await system.PayAsync(orderId, "pay-1", 100m), HttpStatusCode.ServiceUnavailable);
        Assert.InRange(started.Elapsed, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(60));
        await handle.TerminateAsync("test over", new() { Rpc = new() { CancellationToken = TestContext.Current.CancellationToken } });
    }

    [Fact]
    public async Task A_large_order_waits_for_the_audit_and_a_rejection_gives_the_stock_back()
    {
        system.EnsureAvailable();
        var sku = ProductsApiTests.Sku();
        await system.PutProductAsync(sku, 5, price: 20_000m);
        var orderId = await system.CreateOrderAsync($$"""{"items": ["{{sku}}"], "amount": 20000}""");
        await system.WaitForStatusAsync(orderId, "AWAITING_AUDIT");

        var audit = $"/api/v1/orders/{orderId}/audit";
        const string reject = """{"approved": false, "reason": "risk score 97"}""";
        await Problems.AssertProblemAsync(await system.PostJsonAsync(audit, reject), HttpStatusCode.Unauthorized);
        await Problems.AssertProblemAsync(await system.PostJsonAsync(audit, reject, ("X-Api-Key", "wrong")), HttpStatusCode.Forbidden);
        Assert.Equal("AWAITING_AUDIT", (await system.GetOrderAsync(orderId)).GetProperty("status").GetString());

        using var delivered = await system.PostJsonAsync(audit, reject, ("X-Api-Key", OmniFlowSystem.AdminKey));
        Assert.Contains("audit rejected: risk score 97", Events(await Problems.JsonAsync(delivered, HttpStatusCode.OK)));

        var failed = await system.WaitForStatusAsync(orderId, "FAILED");
        var events = failed.GetProperty("timeline").EnumerateArray().Select(entry => entry.GetProperty("event").GetString()).ToList();
        Assert.Contains(events, text => text!.Contains("risk score 97", StringComparison.Ordinal));
        await WaitForStockAsync(sku, 5);

        using var late = await system.PostJsonAsync(audit, reject, ("X-Api-Key", OmniFlowSystem.AdminKey));
        await Problems.AssertProblemAsync(late, HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task An_audit_for_an_order_not_awaiting_one_is_409()
    {
        system.EnsureAvailable();
        var sku = ProductsApiTests.Sku();
        await system.PutProductAsync(sku, 5);
        var orderId = await system.CreateOrderAsync($$"""{"items": ["{{sku}}"], "amount": 100}""");
        await system.WaitForStatusAsync(orderId, "PENDING_PAYMENT");

        using var response = await system.PostJsonAsync($"/api/v1/orders/{orderId}/audit", """{"approved": true}""", ("X-Api-Key", OmniFlowSystem.AdminKey));
        await Problems.AssertProblemAsync(response, HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task Listing_orders_needs_the_admin_key_and_reads_the_database()
    {
        system.EnsureAvailable();
        var sku = ProductsApiTests.Sku();
        await system.PutProductAsync(sku, 5);
        var orderId = await system.CreateOrderAsync($$"""{"items": ["{{sku}}"], "amount": 100}""");
        await WaitForStoredStatusAsync(orderId, "PENDING_PAYMENT");

        await Problems.AssertProblemAsync(await system.Http.GetAsync($"/api/v1/orders?sku={sku}", TestContext.Current.CancellationToken), HttpStatusCode.Unauthorized);
        var list = await ListAsync($"?sku={sku}&status=PENDING_PAYMENT&limit=10");
        Assert.Equal(1, list.GetProperty("total").GetInt32());
        Assert.Equal(orderId, Assert.Single(list.GetProperty("orders").EnumerateArray()).GetProperty("order_id").GetString());

        using var bad = new HttpRequestMessage(HttpMethod.Get, "/api/v1/orders?status=SHIPPED_TO_MARS");
        bad.Headers.Add("X-Api-Key", OmniFlowSystem.AdminKey);
        await Problems.AssertProblemAsync(await system.Http.SendAsync(bad, TestContext.Current.CancellationToken), HttpStatusCode.BadRequest);
    }

    /// <summary>
    /// The crowd: many buyers at once against little stock. Exactly the stock is admitted; after some orders are paid and
    /// the rest time out (the server's clock skips 31 minutes), the database and the gate agree, and a payment arriving
    /// after cancellation is 409 and refunded.
    /// </summary>
    [Fact]
    public async Task A_crowd_never_oversells_and_the_dust_settles_in_agreement()
    {
        system.EnsureAvailable();
        const int stock = 20;
        const int crowd = 200;
        var sku = ProductsApiTests.Sku();
        await system.PutProductAsync(sku, stock);

        var responses = await Task.WhenAll(Enumerable.Range(0, crowd).Select(async i =>
        {
            using var response = await system.PostJsonAsync("/api/v1/orders", $$"""{"user_id": "crowd-{{i}}", "items": ["{{sku}}"], "amount": 100}""");
            return (response.StatusCode, Body: await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken));
        }));

        var admitted = responses.Where(r => r.StatusCode == HttpStatusCode.OK).Select(r => r.Body.GetProperty("order_id").GetString()!).ToList();
        Assert.Equal(stock, admitted.Count);
        Assert.Equal(crowd - stock, responses.Count(r => r.StatusCode == HttpStatusCode.TooManyRequests));
        Assert.Equal(0, (await system.GetProductAsync(sku)).GetProperty("gate_stock").GetInt32());

        var paid = admitted.Take(stock / 2).ToList();
        foreach (var orderId in admitted)
        {
            await system.WaitForStatusAsync(orderId, "PENDING_PAYMENT");
        }

        foreach (var orderId in paid)
        {
            using var response = await system.PayAsync(orderId, $"pay-{orderId}", 100m);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        foreach (var orderId in paid)
        {
            await system.WaitForStatusAsync(orderId, "COMPLETED");
        }

        await system.SkipTimeAsync(TimeSpan.FromMinutes(31));
        foreach (var orderId in admitted.Except(paid))
        {
            await system.WaitForStatusAsync(orderId, "CANCELLED");
            await WaitForStoredStatusAsync(orderId, "CANCELLED");
        }

        await WaitForStockAsync(sku, stock - paid.Count);

        var lateOrder = admitted.Except(paid).First();
        using var late = await system.PayAsync(lateOrder, "pay-late", 100m);
        await Problems.AssertProblemAsync(late, HttpStatusCode.Conflict);
        await WaitForTimelineAsync(lateOrder, "payment pay-late arrived after the order was CANCELLED: refunded");
        Assert.Equal(stock - paid.Count, (await system.GetProductAsync(sku)).GetProperty("stock").GetInt32());

        var list = await ListAsync($"?sku={sku}&limit=1000");
        Assert.Equal(stock, list.GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task A_failed_shipment_refunds_the_payment_and_gives_the_stock_back()
    {
        system.EnsureAvailable();
        var sku = ProductsApiTests.Sku();
        await system.PutProductAsync(sku, 5, warehouse: "BROKEN");
        var orderId = await system.CreateOrderAsync($$"""{"items": ["{{sku}}"], "amount": 100}""");
        await system.WaitForStatusAsync(orderId, "PENDING_PAYMENT");

        using var paid = await system.PayAsync(orderId, "pay-ship", 100m);
        Assert.Equal(HttpStatusCode.OK, paid.StatusCode);

        await system.WaitForStatusAsync(orderId, "FAILED");
        await WaitForTimelineAsync(orderId, "payment pay-ship refunded");
        var events = (await system.GetOrderAsync(orderId)).GetProperty("timeline").EnumerateArray().Select(entry => entry.GetProperty("event").GetString()).ToList();
        Assert.Contains(events, text => text!.StartsWith("shipment from BROKEN failed", StringComparison.Ordinal));
        await WaitForStockAsync(sku, 5);
    }

    [Fact]
    public async Task A_signed_but_malformed_payment_is_400()
    {
        system.EnsureAvailable();
        var sku = ProductsApiTests.Sku();
        await system.PutProductAsync(sku, 5);
        var orderId = await system.CreateOrderAsync($$"""{"items": ["{{sku}}"], "amount": 100}""");

        foreach (var body in new[] { "{\"payment_id\": ", "{\"amount\": 100}", "{\"payment_id\": \"p\", \"amount\": \"x\"}", "" })
        {
            using var response = await system.PostJsonAsync($"/api/v1/orders/{orderId}/pay", body, ("X-Signature", OmniFlowSystem.Sign(orderId, body)));
            await Problems.AssertProblemAsync(response, HttpStatusCode.BadRequest);
        }

        Assert.Equal("PENDING_PAYMENT", (await system.WaitForStatusAsync(orderId, "PENDING_PAYMENT")).GetProperty("status").GetString());
    }

    private static List<string> Events(JsonElement order) =>
        [.. order.GetProperty("timeline").EnumerateArray().Select(entry => entry.GetProperty("event").GetString()!)];

    private async Task<JsonElement> ListAsync(string query)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/orders{query}");
        request.Headers.Add("X-Api-Key", OmniFlowSystem.AdminKey);
        using var response = await system.Http.SendAsync(request, TestContext.Current.CancellationToken);
        return await Problems.JsonAsync(response, HttpStatusCode.OK);
    }

    private async Task WaitForStockAsync(string sku, int expected)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var product = await system.GetProductAsync(sku);
            var (stock, gate) = (product.GetProperty("stock").GetInt32(), product.GetProperty("gate_stock").GetInt32());
            if (stock == expected && gate == expected)
            {
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, $"stock {stock} and gate {gate}, expected both {expected}");
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }

    private async Task WaitForStoredStatusAsync(string orderId, string status)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while ((await system.Orders.GetAsync(orderId, TestContext.Current.CancellationToken))?.Status != status)
        {
            Assert.True(DateTime.UtcNow < deadline, $"order {orderId} was never stored as {status}");
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }

    private async Task WaitForTimelineAsync(string orderId, string expected)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var order = await system.GetOrderAsync(orderId);
            if (order.GetProperty("timeline").EnumerateArray().Any(entry => entry.GetProperty("event").GetString() == expected))
            {
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, $"the timeline of {orderId} never said '{expected}'");
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }
}

[Collection(SystemCollection.Name)]
public sealed class OrdersApiTests(OmniFlowSystem system) : OrdersApiContract(system);

[Collection(RealServicesCollection.Name)]
public sealed class RedisMariaDbOrdersApiTests(RealServicesSystem system) : OrdersApiContract(system);
