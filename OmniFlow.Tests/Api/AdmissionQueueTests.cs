using System.Diagnostics;
using System.Net;

namespace OmniFlow.Tests.Api;

/// <summary>A crowd past the door takes its turn through the gate (<c>Orders:MaxAdmissionsInFlight</c>, <c>AdmissionQueueTimeout</c>).</summary>
[Collection(SystemCollection.Name)]
public sealed class AdmissionQueueTests(OmniFlowSystem system)
{
    private const int InFlight = 64;

    [Fact]
    public async Task A_crowd_past_the_door_goes_through_the_gate_64_at_a_time_and_every_order_is_admitted()
    {
        system.EnsureAvailable();
        var (sku, hold, crowd) = await HoldTheGateAsync(stock: 80, orders: 80);
        await Task.Delay(300, TestContext.Current.CancellationToken);
        Assert.Equal(InFlight, hold.Waiting);

        hold.LetGo();

        await AllAdmittedAsync(crowd);
        Assert.Equal(InFlight, hold.MostAtOnce);
        Assert.Equal(0, (await system.GetProductAsync(sku)).GetProperty("gate_stock").GetInt32());
    }

    [Fact]
    public async Task An_order_that_waits_its_turn_past_the_queue_timeout_is_answered_503_and_reserves_nothing()
    {
        system.EnsureAvailable();
        var (sku, hold, inTurn) = await HoldTheGateAsync(stock: InFlight + 1, orders: InFlight);
        Assert.Equal(InFlight, hold.Waiting);

        var waited = Stopwatch.StartNew();
        using (var late = await system.PostJsonAsync("/api/v1/orders", $$"""{"user_id": "late", "items": ["{{sku}}"]}"""))
        {
            var problem = await Problems.JsonAsync(late, HttpStatusCode.ServiceUnavailable);
            Assert.Contains("busy", problem.GetProperty("detail").GetString());
        }

        Assert.InRange(waited.Elapsed, TimeSpan.FromSeconds(9), TimeSpan.FromSeconds(30));
        hold.LetGo();
        await AllAdmittedAsync(inTurn);
        Assert.Equal(1, (await system.GetProductAsync(sku)).GetProperty("gate_stock").GetInt32());
    }

    /// <summary>A new sku whose admissions wait at the gate, and the orders sent for it, once as many wait there as may.</summary>
    private async Task<(string Sku, HeldAdmissions Hold, List<Task<HttpResponseMessage>> Orders)> HoldTheGateAsync(int stock, int orders)
    {
        var sku = ProductsApiTests.Sku();
        await system.PutProductAsync(sku, stock);
        var hold = system.FlakyGate.Hold(sku);
        var sent = Enumerable.Range(0, orders).Select(i => system.PostJsonAsync("/api/v1/orders", $$"""{"user_id": "crowd-{{i}}", "items": ["{{sku}}"]}""")).ToList();
        var deadline = Stopwatch.StartNew();
        while (hold.Waiting < InFlight && deadline.Elapsed < TimeSpan.FromSeconds(20))
        {
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }

        return (sku, hold, sent);
    }

    private static async Task AllAdmittedAsync(List<Task<HttpResponseMessage>> orders)
    {
        foreach (var answer in await Task.WhenAll(orders))
        {
            using (answer)
            {
                await Problems.JsonAsync(answer, HttpStatusCode.OK);
            }
        }
    }
}
