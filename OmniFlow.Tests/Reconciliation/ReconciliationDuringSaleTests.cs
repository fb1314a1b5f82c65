using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using OmniFlow.Fulfillment.Reconciliation;
using Temporalio.Client;

namespace OmniFlow.Tests.Reconciliation;

[Collection(ReconciliationCollection.Name)]
public sealed class ReconciliationDuringSaleTests(ReconciliationSystem system)
{
    /// <summary>
    /// Runs reconcile while buyers storm a sku: nothing merely in flight is corrected, no admission is lost and none
    /// oversold: once the sale is over the gate, the database and the admitted orders agree to the unit.
    /// </summary>
    [Fact]
    public async Task Runs_during_a_sale_correct_nothing_and_the_invariant_holds()
    {
        system.EnsureAvailable();
        var sku = $"rec-sale-{Guid.NewGuid():N}"[..24];
        const int stock = 60;
        await system.PutProductAsync(sku, stock);
        var admitted = new ConcurrentBag<string>();
        var token = TestContext.Current.CancellationToken;

        async Task BuyerAsync()
        {
            while (!token.IsCancellationRequested)
            {
                using var response = await system.PostJsonAsync("/api/v1/orders", $$"""{"items": ["{{sku}}"]}""");
                if (response.StatusCode == HttpStatusCode.TooManyRequests)
                {
                    return;
                }

                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                admitted.Add((await response.Content.ReadFromJsonAsync<JsonElement>(token)).GetProperty("order_id").GetString()!);
                await Task.Delay(Random.Shared.Next(20, 120), token);
            }
        }

        var buyers = Enumerable.Range(0, 8).Select(_ => Task.Run(BuyerAsync, token)).ToList();
        var runs = new List<JsonElement>();
        while (buyers.Any(buyer => !buyer.IsCompleted) || runs.Count < 2)
        {
            runs.Add(await system.ReconcileAsync());
        }

        await Task.WhenAll(buyers);
        Assert.Equal(stock, admitted.Count);
        Assert.All(runs, run => Assert.Equal("completed", run.GetProperty("status").GetString()));
        Assert.All(runs, run => Assert.Empty(ReconciliationSystem.Corrections(run, sku)));

        foreach (var orderId in admitted)
        {
            await system.WaitForStatusAsync(orderId, "PENDING_PAYMENT");
        }

        var product = await system.GetProductAsync(sku);
        Assert.Equal(0, product.GetProperty("stock").GetInt32());
        Assert.Equal(0, product.GetProperty("gate_stock").GetInt32());
        var after = await system.ReconcileAsync();
        var figures = ReconciliationSystem.Sku(after, sku);
        Assert.Equal(0, figures.GetProperty("drift").GetInt32());
        Assert.Empty(ReconciliationSystem.Corrections(after, sku));
    }

    [Fact]
    public async Task The_schedule_is_created_once_and_brought_up_to_date_when_its_cron_changes()
    {
        system.EnsureAvailable();
        var client = system.Temporal.Client;
        var queue = $"reconcile-{Guid.NewGuid():N}";
        try
        {
            await ReconciliationSchedule.EnsureAsync(client, new ReconciliationSettings(), queue, TestContext.Current.CancellationToken);
            await ReconciliationSchedule.EnsureAsync(client, new ReconciliationSettings(), queue, TestContext.Current.CancellationToken);
            var handle = client.GetScheduleHandle(ReconciliationSettings.ScheduleId);
            var first = await handle.DescribeAsync();
            var action = Assert.IsType<Temporalio.Client.Schedules.ScheduleActionStartWorkflow>(first.Schedule.Action);
            Assert.Equal(nameof(ReconciliationWorkflow), action.Workflow);
            Assert.Equal(queue, action.Options.TaskQueue);
            var next = first.Info.NextActionTimes.First();
            Assert.Equal((3, 0, 0), (next.Hour, next.Minute, next.Second));

            await ReconciliationSchedule.EnsureAsync(client, new ReconciliationSettings { Schedule = "30 4 * * *" }, queue, TestContext.Current.CancellationToken);
            var changed = (await handle.DescribeAsync()).Info.NextActionTimes.First();
            Assert.Equal((4, 30), (changed.Hour, changed.Minute));
        }
        finally
        {
            await client.GetScheduleHandle(ReconciliationSettings.ScheduleId).DeleteAsync();
        }
    }
}
