using Microsoft.Extensions.Options;
using OmniFlow.Fulfillment.Inventory;

namespace OmniFlow.Fulfillment.Admission.InProcess;

/// <summary>
/// The admission gate in memory, for one process (the embedded default when no Redis is configured):
/// the same semantics as the Redis gate, with one lock making each order all-or-nothing.
/// </summary>
public sealed partial class InProcessAdmissionGate : IAdmissionGate
{
    private readonly Lock sync = new();
    private readonly Dictionary<string, int> stock = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Sku, string UserId), int> bought = [];
    private readonly Dictionary<string, Admission> admissions = new(StringComparer.Ordinal);
    private readonly Queue<(string OrderId, DateTimeOffset ExpiresAt)> expiries = new();
    private readonly AdmissionOptions options;
    private readonly AdmissionTelemetry telemetry;
    private readonly TimeProvider timeProvider;
    private readonly SoldOutCache soldOut;

    public InProcessAdmissionGate(IOptions<AdmissionOptions> options, AdmissionTelemetry telemetry, TimeProvider? timeProvider = null)
    {
        this.options = options.Value;
        this.telemetry = telemetry;
        this.timeProvider = timeProvider ?? TimeProvider.System;
        soldOut = new SoldOutCache(this.timeProvider, this.options.SoldOutCacheTtl);
        soldOut.Resume();
    }

    public ValueTask<AdmissionResult> TryAdmitAsync(string orderId, string? userId, IReadOnlyList<StockLine> lines, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(orderId);
        lines = OrderLines.Normalize(lines);
        cancellationToken.ThrowIfCancellationRequested();

        for (var i = 0; i < lines.Count; i++)
        {
            if (soldOut.IsSoldOutOrRecheck(lines[i].Sku))
            {
                telemetry.RecordLocalSoldOut();
                return ValueTask.FromResult(new AdmissionResult(AdmissionOutcome.SoldOut, lines[i].Sku));
            }
        }

        AdmissionResult result;
        lock (sync)
        {
            if (TryGetAdmission(orderId, out var earlier))
            {
                return ValueTask.FromResult(new AdmissionResult(Compare(earlier, userId, lines)));
            }

            result = Admit(orderId, string.IsNullOrEmpty(userId) ? null : userId, lines);
        }

        telemetry.Record(result.Outcome);
        return ValueTask.FromResult(result);
    }

    public string? KnownSoldOut(IReadOnlyList<StockLine> lines) => soldOut.FirstSoldOut(lines);

    public Task<AdmissionResult?> RecallAsync(string orderId, string? userId, IReadOnlyList<StockLine> lines, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(orderId);
        lines = OrderLines.Normalize(lines);
        lock (sync)
        {
            return Task.FromResult(TryGetAdmission(orderId, out var earlier) ? new AdmissionResult(Compare(earlier, userId, lines)) : (AdmissionResult?)null);
        }
    }

    public Task<bool> ReleaseAsync(string orderId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(orderId);
        lock (sync)
        {
            if (!TryGetAdmission(orderId, out var admission))
            {
                Remember(orderId, new Admission(UserId: null, Lines: [], ExpiresAt: timeProvider.GetUtcNow() + options.AdmissionTtl, Withdrawn: true));
                return Task.FromResult(false);
            }

            if (admission.Withdrawn)
            {
                return Task.FromResult(false);
            }

            admissions[orderId] = admission with { Withdrawn = true };
            foreach (var line in admission.Lines)
            {
                stock[line.Sku] = stock.GetValueOrDefault(line.Sku) + line.Quantity;
                if (admission.UserId is { } userId)
                {
                    var key = (line.Sku, userId);
                    var left = bought.GetValueOrDefault(key) - line.Quantity;
                    if (left > 0)
                    {
                        bought[key] = left;
                    }
                    else
                    {
                        bought.Remove(key);
                    }
                }

                soldOut.Clear(line.Sku);
            }
        }

        return Task.FromResult(true);
    }

    public Task SetStockAsync(string sku, int stock, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(sku);
        ArgumentOutOfRangeException.ThrowIfNegative(stock);
        lock (sync)
        {
            this.stock[sku] = stock;
            soldOut.Clear(sku);
        }

        return Task.CompletedTask;
    }

    public Task<int?> GetStockAsync(string sku, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(sku);
        lock (sync)
        {
            return Task.FromResult(stock.TryGetValue(sku, out var left) ? left : (int?)null);
        }
    }

    private AdmissionResult Admit(string orderId, string? userId, IReadOnlyList<StockLine> lines)
    {
        foreach (var line in lines)
        {
            if (!stock.ContainsKey(line.Sku))
            {
                return new AdmissionResult(AdmissionOutcome.UnknownSku, line.Sku);
            }
        }

        if (userId is not null)
        {
            foreach (var line in lines)
            {
                if (bought.GetValueOrDefault((line.Sku, userId)) + line.Quantity > options.PerUserLimit)
                {
                    return new AdmissionResult(AdmissionOutcome.UserLimitReached, line.Sku);
                }
            }
        }

        var observation = soldOut.BeginObservation();
        foreach (var line in lines)
        {
            var left = stock[line.Sku];
            if (left < line.Quantity)
            {
                if (left == 0)
                {
                    soldOut.MarkSoldOut(line.Sku, observation);
                }

                return new AdmissionResult(AdmissionOutcome.SoldOut, line.Sku);
            }
        }

        foreach (var line in lines)
        {
            var left = stock[line.Sku] -= line.Quantity;
            if (left == 0)
            {
                soldOut.MarkSoldOut(line.Sku, observation);
            }
            else
            {
                soldOut.Forget(line.Sku);
            }

            if (userId is not null)
            {
                bought[(line.Sku, userId)] = bought.GetValueOrDefault((line.Sku, userId)) + line.Quantity;
            }
        }

        Remember(orderId, new Admission(userId, [.. lines], timeProvider.GetUtcNow() + options.AdmissionTtl));
        return new AdmissionResult(AdmissionOutcome.Admitted);
    }

    private static AdmissionOutcome Compare(Admission earlier, string? userId, IReadOnlyList<StockLine> lines) =>
        earlier.Withdrawn ? AdmissionOutcome.Withdrawn
        : (earlier.UserId ?? string.Empty) == (userId ?? string.Empty) && earlier.Lines.SequenceEqual(lines) ? AdmissionOutcome.Admitted
        : AdmissionOutcome.Conflict;

    private void Remember(string orderId, Admission admission)
    {
        ForgetExpiredAdmissions(timeProvider.GetUtcNow());
        admissions[orderId] = admission;
        expiries.Enqueue((orderId, admission.ExpiresAt));
    }

    private bool TryGetAdmission(string orderId, out Admission admission)
    {
        if (!admissions.TryGetValue(orderId, out admission!))
        {
            return false;
        }

        if (admission.ExpiresAt > timeProvider.GetUtcNow())
        {
            return true;
        }

        admissions.Remove(orderId);
        return false;
    }

    // Every admission lives as long, so they expire in the order they were made.
    private void ForgetExpiredAdmissions(DateTimeOffset now)
    {
        while (expiries.TryPeek(out var head) && head.ExpiresAt <= now)
        {
            expiries.Dequeue();
            if (admissions.TryGetValue(head.OrderId, out var admission) && admission.ExpiresAt == head.ExpiresAt)
            {
                admissions.Remove(head.OrderId);
            }
        }
    }

    /// <summary>An order's admission; <paramref name="Withdrawn"/> once it was given back (or given up before it was taken).</summary>
    private sealed record Admission(string? UserId, StockLine[] Lines, DateTimeOffset ExpiresAt, bool Withdrawn = false);
}
