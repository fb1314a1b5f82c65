using System.Net;

namespace OmniFlow.Tests.Api;

/// <summary>The server prices an order from the catalog; a client's amount is only a check of that price.</summary>
public abstract class OrderPricingContract(OmniFlowSystem system)
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task An_amount_below_the_price_is_422_naming_both_and_reserves_nothing()
    {
        system.EnsureAvailable();
        var sku = ProductsApiTests.Sku();
        await system.PutProductAsync(sku, 5, price: 100m);

        using var cheap = await system.PostJsonAsync("/api/v1/orders", $$"""{"user_id": "u-cheap", "items": ["{{sku}}"], "amount": 0.01}""");

        var problem = await Problems.AssertProblemAsync(cheap, HttpStatusCode.UnprocessableEntity);
        var detail = problem.GetProperty("detail").GetString()!;
        Assert.Contains("0.01", detail, StringComparison.Ordinal);
        Assert.Contains("100.00", detail, StringComparison.Ordinal);
        Assert.Equal(0.01m, problem.GetProperty("amount").GetDecimal());
        Assert.Equal(100m, problem.GetProperty("price").GetDecimal());
        var product = await system.GetProductAsync(sku);
        Assert.Equal(5, product.GetProperty("gate_stock").GetInt32());
        Assert.Equal(5, product.GetProperty("stock").GetInt32());

        // The same user can still buy at the price: the rejected request took nothing from the per-user limit.
        await system.CreateOrderAsync($$"""{"user_id": "u-cheap", "items": ["{{sku}}"], "amount": 100.00}""");
    }

    [Fact]
    public async Task Without_an_amount_the_order_costs_price_times_quantity_and_the_workflow_carries_it()
    {
        system.EnsureAvailable();
        var phone = ProductsApiTests.Sku();
        var accessory = ProductsApiTests.Sku();
        await system.PutProductAsync(phone, 5, price: 100m);
        await system.PutProductAsync(accessory, 5, price: 12.34m);

        var orderId = await system.CreateOrderAsync(
            $$"""{"items": [{"sku": "{{phone}}", "quantity": 1}, {"sku": "{{accessory}}", "quantity": 2}], "amount": null}""");

        var order = await system.WaitForStatusAsync(orderId, "PENDING_PAYMENT");
        Assert.Equal(124.68m, order.GetProperty("amount").GetDecimal());
        Assert.Equal(124.68m, (await system.Orders.GetAsync(orderId, Cancellation))!.Amount);

        var history = await system.Temporal.Client.GetWorkflowHandle(orderId).FetchHistoryAsync(new() { Rpc = new() { CancellationToken = Cancellation } });
        var input = history.Events.First().WorkflowExecutionStartedEventAttributes.Input.Payloads_.Single().Data.ToStringUtf8();
        Assert.Contains("124.68", input, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_sent_amount_must_equal_the_price_exactly_with_at_most_two_decimals()
    {
        system.EnsureAvailable();
        var sku = ProductsApiTests.Sku();
        await system.PutProductAsync(sku, 5, price: 100m);

        foreach (var amount in new[] { "0.000000001", "100.001", "100.000000001" })
        {
            using var tooPrecise = await system.PostJsonAsync("/api/v1/orders", $$"""{"items": ["{{sku}}"], "amount": {{amount}}}""");
            var problem = await Problems.AssertProblemAsync(tooPrecise, HttpStatusCode.BadRequest);
            Assert.True(problem.GetProperty("errors").TryGetProperty("amount", out _), amount);
        }

        foreach (var amount in new[] { "100", "199.99", "200.01" })
        {
            using var wrong = await system.PostJsonAsync("/api/v1/orders", $$"""{"items": [{"sku": "{{sku}}", "quantity": 2}], "amount": {{amount}}}""");
            await Problems.AssertProblemAsync(wrong, HttpStatusCode.UnprocessableEntity);
        }

        Assert.Equal(5, (await system.GetProductAsync(sku)).GetProperty("gate_stock").GetInt32());
        var orderId = await system.CreateOrderAsync($$"""{"items": [{"sku": "{{sku}}", "quantity": 2}], "amount": 200.00}""");
        Assert.Equal(200m, (await system.WaitForStatusAsync(orderId, "PENDING_PAYMENT")).GetProperty("amount").GetDecimal());
    }

    [Fact]
    public async Task A_new_price_applies_to_the_next_order()
    {
        system.EnsureAvailable();
        var sku = ProductsApiTests.Sku();
        await system.PutProductAsync(sku, 5, price: 100m);
        var before = await system.CreateOrderAsync($$"""{"items": ["{{sku}}"]}""");

        await system.PutProductAsync(sku, 4, price: 80m);
        using var old = await system.PostJsonAsync("/api/v1/orders", $$"""{"items": ["{{sku}}"], "amount": 100}""");
        await Problems.AssertProblemAsync(old, HttpStatusCode.UnprocessableEntity);
        var after = await system.CreateOrderAsync($$"""{"items": ["{{sku}}"], "amount": 80}""");

        Assert.Equal(100m, (await system.WaitForStatusAsync(before, "PENDING_PAYMENT")).GetProperty("amount").GetDecimal());
        Assert.Equal(80m, (await system.WaitForStatusAsync(after, "PENDING_PAYMENT")).GetProperty("amount").GetDecimal());
    }

    [Fact]
    public async Task An_idempotency_key_replay_may_leave_out_the_amount_but_not_change_it()
    {
        system.EnsureAvailable();
        var sku = ProductsApiTests.Sku();
        await system.PutProductAsync(sku, 5, price: 100m);
        var key = Guid.NewGuid().ToString();

        var first = await system.CreateOrderAsync($$"""{"user_id": "u-replay", "items": ["{{sku}}"], "amount": 100}""", ("Idempotency-Key", key));
        Assert.Equal(first, await system.CreateOrderAsync($$"""{"user_id": "u-replay", "items": ["{{sku}}"]}""", ("Idempotency-Key", key)));

        using var changed = await system.PostJsonAsync("/api/v1/orders", $$"""{"user_id": "u-replay", "items": ["{{sku}}"], "amount": 0.01}""", ("Idempotency-Key", key));
        await Problems.AssertProblemAsync(changed, HttpStatusCode.UnprocessableEntity);
        using var otherUser = await system.PostJsonAsync("/api/v1/orders", $$"""{"user_id": "u-other", "items": ["{{sku}}"]}""", ("Idempotency-Key", key));
        await Problems.AssertProblemAsync(otherUser, HttpStatusCode.UnprocessableEntity);

        var fresh = Guid.NewGuid().ToString();
        using var cheap = await system.PostJsonAsync("/api/v1/orders", $$"""{"user_id": "u-fresh", "items": ["{{sku}}"], "amount": 0.01}""", ("Idempotency-Key", fresh));
        await Problems.AssertProblemAsync(cheap, HttpStatusCode.UnprocessableEntity);
        Assert.False(await system.HasOrderForKeyAsync(fresh));
        Assert.Equal(4, (await system.GetProductAsync(sku)).GetProperty("gate_stock").GetInt32());
    }
}

[Collection(SystemCollection.Name)]
public sealed class OrderPricingTests(OmniFlowSystem system) : OrderPricingContract(system);

[Collection(RealServicesCollection.Name)]
public sealed class RedisMariaDbOrderPricingTests(RealServicesSystem system) : OrderPricingContract(system);
