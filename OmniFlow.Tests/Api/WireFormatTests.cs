using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace OmniFlow.Tests.Api;

/// <summary>Money and moments read the same whether an order is answered by its running workflow or, once closed, by the database.</summary>
public abstract partial class WireFormatContract(OmniFlowSystem system)
{
    [Fact]
    public async Task An_order_read_while_pending_and_after_completing_has_one_wire_format()
    {
        system.EnsureAvailable();
        var token = TestContext.Current.CancellationToken;
        var sku = ProductsApiTests.Sku();
        await system.PutProductAsync(sku, 3, price: 100m);
        Assert.Equal("100.00", (await system.GetProductAsync(sku)).GetProperty("price").GetRawText());

        var orderId = await system.CreateOrderAsync($$"""{"items": ["{{sku}}"], "amount": 100}""");
        var pending = await system.WaitForStatusAsync(orderId, "PENDING_PAYMENT");
        AssertWireFormat(pending);
        using var paid = await system.PayAsync(orderId, "pay-wire", 100m);
        AssertWireFormat(await Problems.JsonAsync(paid, HttpStatusCode.OK));

        await system.Temporal.Client.GetWorkflowHandle(orderId).GetResultAsync(rpcOptions: new() { CancellationToken = token });
        var completed = await system.GetOrderAsync(orderId);
        Assert.Equal("COMPLETED", completed.GetProperty("status").GetString());
        AssertWireFormat(completed);
        Assert.Equal(pending.GetProperty("payment_deadline").GetString(), completed.GetProperty("payment_deadline").GetString());
        var pendingTimeline = pending.GetProperty("timeline").EnumerateArray().Select(entry => entry.GetRawText()).ToList();
        Assert.Equal(pendingTimeline, completed.GetProperty("timeline").EnumerateArray().Take(pendingTimeline.Count).Select(entry => entry.GetRawText()));

        using var list = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/orders?sku={sku}");
        list.Headers.Add("X-Api-Key", OmniFlowSystem.AdminKey);
        var listed = Assert.Single((await Problems.JsonAsync(await system.Http.SendAsync(list, token), HttpStatusCode.OK)).GetProperty("orders").EnumerateArray());
        Assert.Equal(completed.GetRawText(), listed.GetRawText());
    }

    /// <summary>The amount with two decimals; every moment in UTC with milliseconds, the deadline in the timeline as in the field.</summary>
    private static void AssertWireFormat(JsonElement order)
    {
        Assert.Equal("100.00", order.GetProperty("amount").GetRawText());
        var deadline = order.GetProperty("payment_deadline").GetString()!;
        Assert.Matches(Moment(), deadline);
        Assert.All(order.GetProperty("timeline").EnumerateArray(), entry => Assert.Matches(Moment(), entry.GetProperty("at").GetString()!));
        Assert.True(order.GetProperty("timeline").EnumerateArray().Any(entry => entry.GetProperty("event").GetString() == $"awaiting payment until {deadline}"), order.GetRawText());
    }

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")]
    private static partial Regex Moment();
}

[Collection(SystemCollection.Name)]
public sealed class WireFormatTests(OmniFlowSystem system) : WireFormatContract(system);

[Collection(RealServicesCollection.Name)]
public sealed class RedisMariaDbWireFormatTests(RealServicesSystem system) : WireFormatContract(system);
