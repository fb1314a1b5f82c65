using OmniFlow.Fulfillment.Admission;
using OmniFlow.Fulfillment.Inventory;

namespace OmniFlow.Tests.Admission;

/// <summary>The admission semantics, written once and run against every <see cref="IAdmissionGate"/>.</summary>
public abstract class AdmissionGateContract
{
    protected static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    /// <summary>A fresh gate that shares no state with any other test's gate.</summary>
    protected abstract Task<IAdmissionGate> CreateGateAsync(AdmissionOptions options);

    private Task<IAdmissionGate> CreateGateAsync(int perUserLimit = 1) => CreateGateAsync(new AdmissionOptions { PerUserLimit = perUserLimit });

    protected static string NewOrderId() => $"ORDER-{Guid.NewGuid()}";

    protected static StockLine[] One(string sku, int quantity = 1) => [new StockLine(sku, quantity)];

    [Fact]
    public async Task Concurrent_admissions_admit_exactly_the_stock()
    {
        var gate = await CreateGateAsync();
        await gate.SetStockAsync("flash", 10, Cancellation);
        var stockSeen = new List<int>();

        var results = await Task.WhenAll(Enumerable.Range(0, 2000).Select(i => Task.Run(async () =>
        {
            var result = await gate.TryAdmitAsync(NewOrderId(), $"user-{i}", One("flash"), Cancellation);
            if (i % 100 == 0)
            {
                var stock = await gate.GetStockAsync("flash", Cancellation);
                lock (stockSeen)
                {
                    stockSeen.Add(stock!.Value);
                }
            }

            return result;
        }, Cancellation)));

        Assert.Equal(10, results.Count(result => result.Admitted));
        Assert.Equal(1990, results.Count(result => result.Outcome == AdmissionOutcome.SoldOut && result.Sku == "flash"));
        Assert.Equal(0, await gate.GetStockAsync("flash", Cancellation));
        Assert.All(stockSeen, stock => Assert.InRange(stock, 0, 10));
    }

    [Fact]
    public async Task A_user_at_the_limit_is_turned_away_and_others_are_not()
    {
        var gate = await CreateGateAsync(perUserLimit: 1);
        await gate.SetStockAsync("phone", 5, Cancellation);

        Assert.Equal(AdmissionOutcome.Admitted, (await gate.TryAdmitAsync(NewOrderId(), "u-1", One("phone"), Cancellation)).Outcome);
        Assert.Equal(new AdmissionResult(AdmissionOutcome.UserLimitReached, "phone"), await gate.TryAdmitAsync(NewOrderId(), "u-1", One("phone"), Cancellation));
        Assert.Equal(AdmissionOutcome.Admitted, (await gate.TryAdmitAsync(NewOrderId(), "u-2", One("phone"), Cancellation)).Outcome);
        Assert.Equal(AdmissionOutcome.Admitted, (await gate.TryAdmitAsync(NewOrderId(), null, One("phone"), Cancellation)).Outcome);
        Assert.Equal(2, await gate.GetStockAsync("phone", Cancellation));
    }

    [Fact]
    public async Task The_user_limit_counts_units()
    {
        var gate = await CreateGateAsync(perUserLimit: 2);
        await gate.SetStockAsync("phone", 10, Cancellation);

        Assert.Equal(AdmissionOutcome.UserLimitReached, (await gate.TryAdmitAsync(NewOrderId(), "u-1", One("phone", 3), Cancellation)).Outcome);
        Assert.Equal(AdmissionOutcome.Admitted, (await gate.TryAdmitAsync(NewOrderId(), "u-1", One("phone", 2), Cancellation)).Outcome);
        Assert.Equal(AdmissionOutcome.UserLimitReached, (await gate.TryAdmitAsync(NewOrderId(), "u-1", One("phone"), Cancellation)).Outcome);
        Assert.Equal(AdmissionOutcome.Admitted, (await gate.TryAdmitAsync(NewOrderId(), "u-2", One("phone"), Cancellation)).Outcome);
        Assert.Equal(AdmissionOutcome.Admitted, (await gate.TryAdmitAsync(NewOrderId(), "u-2", One("phone"), Cancellation)).Outcome);
        Assert.Equal(6, await gate.GetStockAsync("phone", Cancellation));
    }

    [Fact]
    public async Task The_user_limit_is_per_sku()
    {
        var gate = await CreateGateAsync(perUserLimit: 1);
        await gate.SetStockAsync("phone", 5, Cancellation);
        await gate.SetStockAsync("case", 5, Cancellation);

        Assert.True((await gate.TryAdmitAsync(NewOrderId(), "u-1", One("phone"), Cancellation)).Admitted);
        Assert.True((await gate.TryAdmitAsync(NewOrderId(), "u-1", One("case"), Cancellation)).Admitted);
        Assert.Equal(new AdmissionResult(AdmissionOutcome.UserLimitReached, "case"),
            await gate.TryAdmitAsync(NewOrderId(), "u-1", [new StockLine("case", 1), new StockLine("phone", 1)], Cancellation));
    }

    [Fact]
    public async Task A_multi_sku_order_takes_every_line_or_none()
    {
        var gate = await CreateGateAsync(perUserLimit: 5);
        await gate.SetStockAsync("phone", 5, Cancellation);
        await gate.SetStockAsync("case", 1, Cancellation);

        var shortOrder = await gate.TryAdmitAsync(NewOrderId(), "u-1", [new StockLine("phone", 2), new StockLine("case", 2)], Cancellation);

        Assert.Equal(new AdmissionResult(AdmissionOutcome.SoldOut, "case"), shortOrder);
        Assert.Equal(5, await gate.GetStockAsync("phone", Cancellation));
        Assert.Equal(1, await gate.GetStockAsync("case", Cancellation));

        var fullOrder = await gate.TryAdmitAsync(NewOrderId(), "u-1", [new StockLine("phone", 2), new StockLine("case", 1)], Cancellation);

        Assert.True(fullOrder.Admitted);
        Assert.Equal(3, await gate.GetStockAsync("phone", Cancellation));
        Assert.Equal(0, await gate.GetStockAsync("case", Cancellation));
    }

    [Fact]
    public async Task A_repeated_sku_counts_as_one_line()
    {
        var gate = await CreateGateAsync(perUserLimit: 5);
        await gate.SetStockAsync("phone", 1, Cancellation);

        var result = await gate.TryAdmitAsync(NewOrderId(), "u-1", [new StockLine("phone", 1), new StockLine("phone", 1)], Cancellation);

        Assert.Equal(new AdmissionResult(AdmissionOutcome.SoldOut, "phone"), result);
        Assert.Equal(1, await gate.GetStockAsync("phone", Cancellation));
    }

    [Fact]
    public async Task An_unknown_sku_is_named_and_nothing_is_taken()
    {
        var gate = await CreateGateAsync();
        await gate.SetStockAsync("phone", 5, Cancellation);

        var result = await gate.TryAdmitAsync(NewOrderId(), "u-1", [new StockLine("phone", 1), new StockLine("ghost", 1)], Cancellation);

        Assert.Equal(new AdmissionResult(AdmissionOutcome.UnknownSku, "ghost"), result);
        Assert.Equal(5, await gate.GetStockAsync("phone", Cancellation));
        Assert.Null(await gate.GetStockAsync("ghost", Cancellation));
        Assert.True((await gate.TryAdmitAsync(NewOrderId(), "u-1", One("phone"), Cancellation)).Admitted);
    }

    [Fact]
    public async Task Release_gives_stock_and_quota_back_exactly_once()
    {
        var gate = await CreateGateAsync(perUserLimit: 1);
        await gate.SetStockAsync("phone", 5, Cancellation);
        await gate.SetStockAsync("case", 5, Cancellation);
        var orderId = NewOrderId();
        Assert.True((await gate.TryAdmitAsync(orderId, "u-1", [new StockLine("phone", 1), new StockLine("case", 1)], Cancellation)).Admitted);
        Assert.Equal(AdmissionOutcome.UserLimitReached, (await gate.TryAdmitAsync(NewOrderId(), "u-1", One("phone"), Cancellation)).Outcome);

        Assert.True(await gate.ReleaseAsync(orderId, Cancellation));
        Assert.False(await gate.ReleaseAsync(orderId, Cancellation));

        Assert.Equal(5, await gate.GetStockAsync("phone", Cancellation));
        Assert.Equal(5, await gate.GetStockAsync("case", Cancellation));
        Assert.True((await gate.TryAdmitAsync(NewOrderId(), "u-1", One("phone"), Cancellation)).Admitted);
    }

    [Fact]
    public async Task Concurrent_releases_of_one_order_give_back_once()
    {
        var gate = await CreateGateAsync();
        await gate.SetStockAsync("phone", 5, Cancellation);
        var orderId = NewOrderId();
        Assert.True((await gate.TryAdmitAsync(orderId, "u-1", One("phone", 1), Cancellation)).Admitted);

        var released = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Task.Run(() => gate.ReleaseAsync(orderId, Cancellation), Cancellation)));

        Assert.Single(released, wasReleased => wasReleased);
        Assert.Equal(5, await gate.GetStockAsync("phone", Cancellation));
    }

    [Fact]
    public async Task Releasing_an_unknown_order_gives_nothing()
    {
        var gate = await CreateGateAsync();
        await gate.SetStockAsync("phone", 5, Cancellation);

        Assert.False(await gate.ReleaseAsync(NewOrderId(), Cancellation));
        Assert.Equal(5, await gate.GetStockAsync("phone", Cancellation));
    }

    [Fact]
    public async Task An_admission_that_arrives_after_its_order_was_given_back_takes_nothing()
    {
        var gate = await CreateGateAsync();
        await gate.SetStockAsync("phone", 5, Cancellation);
        var givenUp = NewOrderId();
        var released = NewOrderId();
        Assert.True((await gate.TryAdmitAsync(released, "u-2", One("phone"), Cancellation)).Admitted);

        // A caller answered 503 gives its order back before the admission it sent reached the gate...
        Assert.False(await gate.ReleaseAsync(givenUp, Cancellation));
        Assert.True(await gate.ReleaseAsync(released, Cancellation));

        // ...and the admission, arriving late, is refused: neither order id takes stock or quota again.
        Assert.Equal(AdmissionOutcome.Withdrawn, (await gate.TryAdmitAsync(givenUp, "u-1", One("phone"), Cancellation)).Outcome);
        Assert.Equal(AdmissionOutcome.Withdrawn, (await gate.TryAdmitAsync(released, "u-2", One("phone"), Cancellation)).Outcome);
        Assert.Equal(5, await gate.GetStockAsync("phone", Cancellation));
        Assert.True((await gate.TryAdmitAsync(NewOrderId(), "u-1", One("phone"), Cancellation)).Admitted);
        Assert.True((await gate.TryAdmitAsync(NewOrderId(), "u-2", One("phone"), Cancellation)).Admitted);
        Assert.False(await gate.ReleaseAsync(givenUp, Cancellation));
    }

    [Fact]
    public async Task Admitting_the_same_order_id_twice_takes_stock_once()
    {
        var gate = await CreateGateAsync(perUserLimit: 5);
        await gate.SetStockAsync("phone", 5, Cancellation);
        var orderId = NewOrderId();

        Assert.True((await gate.TryAdmitAsync(orderId, "u-1", One("phone", 2), Cancellation)).Admitted);
        Assert.True((await gate.TryAdmitAsync(orderId, "u-1", One("phone", 2), Cancellation)).Admitted);

        Assert.Equal(3, await gate.GetStockAsync("phone", Cancellation));
    }

    [Fact]
    public async Task The_same_order_id_for_other_lines_or_another_user_is_a_conflict_and_takes_nothing()
    {
        var gate = await CreateGateAsync(perUserLimit: 5);
        await gate.SetStockAsync("phone", 5, Cancellation);
        await gate.SetStockAsync("case", 5, Cancellation);
        var orderId = NewOrderId();
        StockLine[] two = [new("case", 1), new("phone", 2)];
        Assert.Null(await gate.RecallAsync(orderId, "u-1", two, Cancellation));
        Assert.True((await gate.TryAdmitAsync(orderId, "u-1", two, Cancellation)).Admitted);

        Assert.Equal(AdmissionOutcome.Conflict, (await gate.TryAdmitAsync(orderId, "u-1", One("phone", 2), Cancellation)).Outcome);
        Assert.Equal(AdmissionOutcome.Conflict, (await gate.TryAdmitAsync(orderId, "u-1", [new("case", 1), new("phone", 3)], Cancellation)).Outcome);
        Assert.Equal(AdmissionOutcome.Conflict, (await gate.TryAdmitAsync(orderId, "u-2", two, Cancellation)).Outcome);
        Assert.Equal(AdmissionOutcome.Conflict, (await gate.TryAdmitAsync(orderId, null, two, Cancellation)).Outcome);
        Assert.True((await gate.TryAdmitAsync(orderId, "u-1", two, Cancellation)).Admitted);

        Assert.Equal((3, 4), (await gate.GetStockAsync("phone", Cancellation) ?? -1, await gate.GetStockAsync("case", Cancellation) ?? -1));
        Assert.Equal(new AdmissionResult(AdmissionOutcome.Admitted), await gate.RecallAsync(orderId, "u-1", two, Cancellation));
        Assert.Equal(new AdmissionResult(AdmissionOutcome.Conflict), await gate.RecallAsync(orderId, "u-2", two, Cancellation));
        Assert.True(await gate.ReleaseAsync(orderId, Cancellation));
        Assert.Equal(new AdmissionResult(AdmissionOutcome.Withdrawn), await gate.RecallAsync(orderId, "u-1", two, Cancellation));
        Assert.Equal((5, 5), (await gate.GetStockAsync("phone", Cancellation) ?? -1, await gate.GetStockAsync("case", Cancellation) ?? -1));
    }

    [Fact]
    public async Task A_restock_reopens_a_sold_out_sku()
    {
        var gate = await CreateGateAsync(perUserLimit: 5);
        await gate.SetStockAsync("phone", 1, Cancellation);
        Assert.True((await gate.TryAdmitAsync(NewOrderId(), "u-1", One("phone"), Cancellation)).Admitted);
        Assert.Equal(new AdmissionResult(AdmissionOutcome.SoldOut, "phone"), await gate.TryAdmitAsync(NewOrderId(), "u-1", One("phone"), Cancellation));

        await gate.SetStockAsync("phone", 2, Cancellation);

        Assert.True((await gate.TryAdmitAsync(NewOrderId(), "u-1", One("phone", 2), Cancellation)).Admitted);
        Assert.Equal(0, await gate.GetStockAsync("phone", Cancellation));
    }

    [Fact]
    public async Task A_release_reopens_a_sold_out_sku()
    {
        var gate = await CreateGateAsync();
        await gate.SetStockAsync("phone", 1, Cancellation);
        var orderId = NewOrderId();
        Assert.True((await gate.TryAdmitAsync(orderId, "u-1", One("phone"), Cancellation)).Admitted);
        Assert.Equal(AdmissionOutcome.SoldOut, (await gate.TryAdmitAsync(NewOrderId(), "u-2", One("phone"), Cancellation)).Outcome);

        Assert.True(await gate.ReleaseAsync(orderId, Cancellation));

        Assert.True((await gate.TryAdmitAsync(NewOrderId(), "u-2", One("phone"), Cancellation)).Admitted);
    }

    [Fact]
    public async Task A_sold_out_sku_in_a_multi_sku_order_turns_the_order_away()
    {
        var gate = await CreateGateAsync();
        await gate.SetStockAsync("phone", 5, Cancellation);
        await gate.SetStockAsync("case", 0, Cancellation);
        Assert.Equal(AdmissionOutcome.SoldOut, (await gate.TryAdmitAsync(NewOrderId(), "u-1", One("case"), Cancellation)).Outcome);

        var result = await gate.TryAdmitAsync(NewOrderId(), "u-2", [new StockLine("phone", 1), new StockLine("case", 1)], Cancellation);

        Assert.Equal(new AdmissionResult(AdmissionOutcome.SoldOut, "case"), result);
        Assert.Equal(5, await gate.GetStockAsync("phone", Cancellation));
    }

    [Fact]
    public async Task Malformed_orders_are_refused()
    {
        var gate = await CreateGateAsync();
        await gate.SetStockAsync("phone", 5, Cancellation);

        await Assert.ThrowsAnyAsync<ArgumentException>(async () => await gate.TryAdmitAsync(NewOrderId(), "u-1", [], Cancellation));
        await Assert.ThrowsAnyAsync<ArgumentException>(async () => await gate.TryAdmitAsync(NewOrderId(), "u-1", One("phone", 0), Cancellation));
        await Assert.ThrowsAnyAsync<ArgumentException>(async () => await gate.TryAdmitAsync("", "u-1", One("phone"), Cancellation));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => gate.SetStockAsync("phone", -1, Cancellation));
        Assert.Equal(5, await gate.GetStockAsync("phone", Cancellation));
    }
}
