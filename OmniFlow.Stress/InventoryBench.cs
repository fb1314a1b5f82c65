using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OmniFlow.Fulfillment.Inventory;
using OmniFlow.Fulfillment.Persistence;

namespace OmniFlow.Stress;

/// <summary>
/// The L3 limit: <c>inventory --db "Server=...;Database=..." [--concurrency 32] [--reservations 5000] [--sku HOT-1]</c>.
/// Stocks one hot sku with exactly as many units as reservations, lets N concurrent reservers take one unit each through
/// <see cref="IInventoryService"/> (one transaction, <c>SELECT ... FOR UPDATE</c> on the same row), and prints
/// reservations per second, latency, and whether the database sold exactly its stock. <c>--order-rows</c> reserves as the
/// order workflow does, writing each order's row in the reservation's transaction.
/// </summary>
public static class InventoryBench
{
    public const string Usage = """
        usage: OmniFlow.Stress inventory --db <ConnectionStrings:omniflowdb> [--concurrency 32] [--reservations 5000] [--sku HOT-1] [--order-rows]
        """;

    public static async Task<int> RunAsync(IReadOnlyList<string> arguments)
    {
        string? db = null;
        var concurrency = 32;
        var reservations = 5000;
        var sku = "HOT-1";
        var args = arguments.ToList();
        var withOrderRows = args.Remove("--order-rows");
        for (var index = 0; index + 1 < args.Count; index += 2)
        {
            var value = args[index + 1];
            switch (args[index])
            {
                case "--db": db = value; break;
                case "--concurrency": concurrency = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--reservations": reservations = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--sku": sku = value; break;
                default: return Fail($"unknown option '{args[index]}'");
            }
        }

        if (args.Count % 2 != 0 || string.IsNullOrWhiteSpace(db) || concurrency < 1 || reservations < 1)
        {
            return Fail("--db is required; --concurrency and --reservations must be positive");
        }

        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection([new($"ConnectionStrings:{DatabaseSettings.ConnectionName}", db)])
            .Build();
        var services = new ServiceCollection()
            .AddLogging(logging => logging.AddConsole().SetMinimumLevel(LogLevel.Warning))
            .AddOmniFlowDatabase(DatabaseSettings.From(configuration, Environment.CurrentDirectory));
        await using var provider = services.BuildServiceProvider();
        await provider.MigrateOmniFlowDatabaseAsync();
        await provider.GetRequiredService<IProductCatalog>().UpsertAsync(sku, $"Bench {sku}", 1m, "SH", reservations);

        var inventory = provider.GetRequiredService<IInventoryService>();
        var run = Guid.NewGuid().ToString("N")[..8];
        var latency = new LatencyHistogram();
        long next = -1, reserved = 0, refused = 0, failed = 0;
        Console.Error.WriteLine($"stocked {sku} with {reservations}; {concurrency} reservers take one unit each");
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var stopwatch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            for (var i = Interlocked.Increment(ref next); i < reservations; i = Interlocked.Increment(ref next))
            {
                var started = Stopwatch.GetTimestamp();
                try
                {
                    var (key, orderId) = ($"bench-{run}-{i}", $"ORDER-bench-{run}-{i}");
                    var result = withOrderRows
                        ? await inventory.ReserveAndRecordAsync(key, [new StockLine(sku, 1)], OrderRows(orderId, sku))
                        : await inventory.ReserveAsync(key, orderId, [new StockLine(sku, 1)]);
                    Interlocked.Increment(ref result.Outcome == StockOutcome.Reserved ? ref reserved : ref refused);
                }
                catch (DatabaseBusyException)
                {
                    Interlocked.Increment(ref failed);
                }

                latency.Record((long)Stopwatch.GetElapsedTime(started).TotalMicroseconds);
            }
        })));
        stopwatch.Stop();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;

        var left = (await provider.GetRequiredService<IProductCatalog>().GetAsync(sku))?.AvailableStock;
        var holds = left == reservations - reserved;
        Console.WriteLine($"inventory     {sku}  concurrency {concurrency}  reservations {reservations}{(withOrderRows ? "  with the order rows" : "")}");
        Console.WriteLine($"reserved      {reserved} in {stopwatch.Elapsed.TotalSeconds:0.00} s = {reserved / stopwatch.Elapsed.TotalSeconds:0} reservations/s");
        Console.WriteLine($"latency       p50 {latency.ValueAtPercentile(50) / 1000.0:0.0} ms  p99 {latency.ValueAtPercentile(99) / 1000.0:0.0} ms  max {latency.Max / 1000.0:0.0} ms");
        Console.WriteLine($"outcomes      reserved {reserved}  refused {refused}  transient failures {failed}");
        Console.WriteLine($"cpu           {cpu.TotalMicroseconds / reservations:0} us per reservation in this process");
        Console.WriteLine(holds
            ? $"invariant     holds: stock left {left} = {reservations} - {reserved} reserved"
            : $"invariant     VIOLATED: stock left {left}, expected {reservations - reserved}");
        return holds && failed == 0 ? 0 : 1;
    }

    /// <summary>The rows the order workflow hands to the reservation: RESERVING, then PENDING_PAYMENT.</summary>
    private static ReservationRows OrderRows(string orderId, string sku)
    {
        var now = DateTimeOffset.UtcNow;
        var reserving = new StoredOrder(orderId, null, 1m, "RESERVING", [new(sku, 1, "SH")], [new(now, "order admitted")], null, now, now);
        return new(reserving, reserving with
        {
            Status = "PENDING_PAYMENT",
            PaymentDeadline = now.AddMinutes(30),
            Timeline = [.. reserving.Timeline, new(now, "stock reserved"), new(now, "awaiting payment")],
        });
    }

    private static int Fail(string message)
    {
        Console.Error.WriteLine($"error: {message}");
        Console.Error.WriteLine(Usage);
        return 2;
    }
}
