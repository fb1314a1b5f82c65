using System.Collections.Concurrent;

namespace OmniFlow.Stress;

/// <param name="FinalStatuses">How the orders whose payment was accepted (200) ended, by status.</param>
public sealed record PaymentOutcome(IReadOnlyDictionary<string, int> FinalStatuses, IReadOnlyList<string> Violations)
{
    public bool Holds => Violations.Count == 0;
}

/// <summary>
/// A payment accepted is kept: every order whose payment was answered 200 ends COMPLETED, never cancelled or failed
/// (refunded), whatever crashed in between. Waits for each to end, up to the settle timeout.
/// </summary>
public sealed class PaymentCheck(StoreClient store)
{
    private const int Readers = 16;
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(500);

    public static IReadOnlyList<string> Evaluate(IReadOnlyDictionary<string, int> finalStatuses)
    {
        var refunded = finalStatuses.GetValueOrDefault("CANCELLED") + finalStatuses.GetValueOrDefault("FAILED");
        var unfinished = finalStatuses.Where(pair => pair.Key != "COMPLETED" && pair.Key is not ("CANCELLED" or "FAILED")).Sum(pair => pair.Value);
        List<string> violations = [];
        if (refunded > 0)
        {
            violations.Add($"{refunded} orders whose payment was accepted ended cancelled or failed");
        }

        if (unfinished > 0)
        {
            violations.Add($"{unfinished} orders whose payment was accepted did not complete in time");
        }

        return violations;
    }

    public async Task<PaymentOutcome> RunAsync(IEnumerable<string> accepted, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        var finals = new ConcurrentDictionary<string, int>();
        var queue = new ConcurrentQueue<string>(accepted);
        await Task.WhenAll(Enumerable.Range(0, Readers).Select(_ => Task.Run(async () =>
        {
            while (queue.TryDequeue(out var orderId))
            {
                var status = await FinalStatusAsync(orderId, deadline);
                finals.AddOrUpdate(status, 1, (_, count) => count + 1);
            }
        })));

        var statuses = finals.ToDictionary(pair => pair.Key, pair => pair.Value);
        return new PaymentOutcome(statuses, Evaluate(statuses));
    }

    private async Task<string> FinalStatusAsync(string orderId, DateTime deadline)
    {
        var last = "UNREADABLE";
        while (true)
        {
            try
            {
                last = (await store.GetOrderAsync(orderId, CancellationToken.None))?.Status ?? last;
            }
            catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
            {
                // Read again; the last status seen stands if the deadline comes first.
            }

            if (last is "COMPLETED" or "CANCELLED" or "FAILED" || DateTime.UtcNow >= deadline)
            {
                return last;
            }

            await Task.Delay(PollInterval);
        }
    }
}
