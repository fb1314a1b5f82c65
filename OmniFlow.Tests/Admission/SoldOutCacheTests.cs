using OmniFlow.Fulfillment.Admission;
using OmniFlow.Fulfillment.Inventory;

namespace OmniFlow.Tests.Admission;

public sealed class SoldOutCacheTests
{
    private readonly ManualTimestamps time = new();

    [Fact]
    public void A_sold_out_answer_is_cached_until_the_sku_is_restocked()
    {
        var cache = Started();
        cache.MarkSoldOut("phone", cache.BeginObservation());

        Assert.True(cache.IsSoldOut("phone"));
        Assert.False(cache.IsSoldOut("case"));

        cache.Clear("phone");

        Assert.False(cache.IsSoldOut("phone"));
    }

    [Fact]
    public void An_order_is_sold_out_by_the_first_of_its_lines_the_cache_holds()
    {
        var cache = Started();
        cache.MarkSoldOut("phone", cache.BeginObservation());
        cache.MarkSoldOut("charger", cache.BeginObservation());

        Assert.Equal("phone", cache.FirstSoldOut([new StockLine("case", 1), new StockLine("phone", 1), new StockLine("charger", 2)]));
        Assert.Null(cache.FirstSoldOut([new StockLine("case", 1)]));
    }

    [Fact]
    public void An_answer_that_was_in_flight_during_a_restock_is_not_cached()
    {
        var cache = Started();
        var observation = cache.BeginObservation();

        cache.Clear("phone");
        cache.MarkSoldOut("phone", observation);

        Assert.False(cache.IsSoldOut("phone"));
    }

    [Fact]
    public void Nothing_is_cached_before_the_cache_is_started()
    {
        var cache = new SoldOutCache(time, TimeSpan.FromMinutes(1));
        cache.MarkSoldOut("phone", cache.BeginObservation());

        Assert.False(cache.IsSoldOut("phone"));
    }

    [Fact]
    public void A_suspended_cache_keeps_answering_and_records_nothing_new_until_it_resumes_empty()
    {
        var cache = Started();
        cache.MarkSoldOut("phone", cache.BeginObservation());
        var inFlight = cache.BeginObservation();

        cache.Suspend();
        cache.MarkSoldOut("case", inFlight);
        cache.MarkSoldOut("case", cache.BeginObservation());

        Assert.True(cache.IsSoldOut("phone"));
        Assert.False(cache.IsSoldOut("case"));

        cache.Resume();

        Assert.False(cache.IsSoldOut("phone"));
    }

    [Fact]
    public void An_entry_lives_no_longer_than_its_lifetime()
    {
        var cache = Started();
        cache.MarkSoldOut("phone", cache.BeginObservation());

        time.Advance(TimeSpan.FromSeconds(59));
        Assert.True(cache.IsSoldOut("phone"));

        time.Advance(TimeSpan.FromSeconds(2));
        Assert.False(cache.IsSoldOut("phone"));
    }

    [Fact]
    public void An_expired_entry_is_rechecked_by_one_caller_while_the_others_keep_its_answer_for_the_hold()
    {
        var cache = Started();
        cache.MarkSoldOut("phone", cache.BeginObservation());
        time.Advance(TimeSpan.FromSeconds(61));

        Assert.False(cache.IsSoldOutOrRecheck("phone"));
        Assert.True(cache.IsSoldOutOrRecheck("phone"));
        Assert.True(cache.IsSoldOut("phone"));

        time.Advance(SoldOutCache.RecheckHold);

        Assert.False(cache.IsSoldOut("phone"));
        Assert.False(cache.IsSoldOutOrRecheck("phone"));
        Assert.True(cache.IsSoldOutOrRecheck("phone"));
    }

    [Fact]
    public void A_recheck_answered_sold_out_holds_the_sku_for_another_lifetime_and_one_answered_with_stock_drops_it()
    {
        var cache = Started();
        cache.MarkSoldOut("phone", cache.BeginObservation());
        cache.MarkSoldOut("case", cache.BeginObservation());
        time.Advance(TimeSpan.FromSeconds(61));

        Assert.False(cache.IsSoldOutOrRecheck("phone"));
        cache.MarkSoldOut("phone", cache.BeginObservation());
        Assert.False(cache.IsSoldOutOrRecheck("case"));
        cache.Forget("case");
        time.Advance(TimeSpan.FromSeconds(59));

        Assert.True(cache.IsSoldOutOrRecheck("phone"));
        Assert.False(cache.IsSoldOut("case"));
        Assert.False(cache.IsSoldOutOrRecheck("case"));
    }

    private SoldOutCache Started()
    {
        var cache = new SoldOutCache(time, TimeSpan.FromMinutes(1));
        cache.Resume();
        return cache;
    }

    private sealed class ManualTimestamps : TimeProvider
    {
        private long timestamp = 1_000;

        public override long TimestampFrequency => 1_000;

        public override long GetTimestamp() => timestamp;

        public void Advance(TimeSpan by) => timestamp += (long)by.TotalMilliseconds;
    }
}
