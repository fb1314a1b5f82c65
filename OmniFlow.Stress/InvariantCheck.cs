namespace OmniFlow.Stress;

/// <summary>
/// What the system says after the run: stock sold by the gate, reserved in the database, orders stored, and of those
/// the orders that ended cancelled or failed (their unit went back).
/// </summary>
public sealed record StoreSnapshot(int GateSold, int DatabaseReserved, int DatabaseOrders, int ReleasedOrders = 0);

/// <param name="SettledAfter">How long after the load the counts agreed (or the check gave up).</param>
public sealed record InvariantOutcome(int InitialStock, long Admitted, StoreSnapshot? Snapshot, bool Settled, IReadOnlyList<string> Violations, TimeSpan SettledAfter)
{
    public bool Holds => Violations.Count == 0;
}

/// <summary>
/// Zero oversell, checked from outside once the system has settled: admitted orders = orders in the database ≤ initial
/// stock, and stock sold in the gate = stock reserved in the database = orders that still hold their unit (not cancelled
/// or failed).
/// </summary>
public sealed class InvariantCheck(StoreClient store)
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan StableFor = TimeSpan.FromSeconds(3);

    public static IReadOnlyList<string> Evaluate(int initialStock, long admitted, StoreSnapshot snapshot)
    {
        List<string> violations = [];
        if (admitted > initialStock)
        {
            violations.Add($"oversell: {admitted} orders admitted for {initialStock} units");
        }

        var holding = admitted - snapshot.ReleasedOrders;
        if (snapshot.GateSold != holding)
        {
            violations.Add(snapshot.ReleasedOrders == 0
                ? $"gate sold {snapshot.GateSold} units but {admitted} orders were admitted"
                : $"gate sold {snapshot.GateSold} units but {holding} orders hold one ({admitted} admitted, {snapshot.ReleasedOrders} released)");
        }

        if (snapshot.DatabaseReserved != snapshot.GateSold)
        {
            violations.Add($"database reserved {snapshot.DatabaseReserved} units but the gate sold {snapshot.GateSold}");
        }

        if (snapshot.DatabaseOrders != admitted)
        {
            violations.Add($"database holds {snapshot.DatabaseOrders} orders but {admitted} were admitted");
        }

        return violations;
    }

    /// <summary>
    /// Polls until every count agrees, or nothing has changed for a while, or <paramref name="timeout"/> passes.
    /// <paramref name="before"/>: the sku's orders in the database before the run, not counted.
    /// </summary>
    public async Task<InvariantOutcome> RunAsync(string sku, int initialStock, OrderCounts before, long admitted, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        var deadline = DateTime.UtcNow + timeout;
        StoreSnapshot? last = null;
        var unchangedSince = DateTime.UtcNow;
        string? error = null;
        while (true)
        {
            try
            {
                var snapshot = await ReadAsync(sku, initialStock, before, cancellationToken);
                error = null;
                if (snapshot != last)
                {
                    last = snapshot;
                    unchangedSince = DateTime.UtcNow;
                }

                var violations = Evaluate(initialStock, admitted, snapshot);
                if (violations.Count == 0)
                {
                    return new InvariantOutcome(initialStock, admitted, snapshot, Settled: true, violations, started.Elapsed);
                }

                if (DateTime.UtcNow - unchangedSince >= StableFor || DateTime.UtcNow >= deadline)
                {
                    return new InvariantOutcome(initialStock, admitted, snapshot, Settled: DateTime.UtcNow < deadline, violations, started.Elapsed);
                }
            }
            catch (HttpRequestException exception)
            {
                error = exception.Message;
                if (DateTime.UtcNow >= deadline)
                {
                    return new InvariantOutcome(initialStock, admitted, last, Settled: false, [$"could not read the store: {error}"], started.Elapsed);
                }
            }

            await Task.Delay(PollInterval, cancellationToken);
        }
    }

    private async Task<StoreSnapshot> ReadAsync(string sku, int initialStock, OrderCounts before, CancellationToken cancellationToken)
    {
        var product = await store.GetProductAsync(sku, cancellationToken);
        var orders = await store.CountOrdersAsync(sku, cancellationToken);
        return new StoreSnapshot(initialStock - product.GateStock, initialStock - product.Stock, orders.All - before.All, orders.Released - before.Released);
    }
}
