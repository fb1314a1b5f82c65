using System.Collections.Concurrent;
using OmniFlow.Fulfillment.Inventory;

namespace OmniFlow.Fulfillment.Admission;

/// <summary>
/// The L0 cache: skus this instance has seen sold out, answered locally until a restock clears them.
/// A sold-out answer only becomes an entry when no restock was seen while it was in flight
/// (see <see cref="BeginObservation"/>), so a late reply can never hide a restock. An entry past its lifetime is
/// rechecked by one caller while the rest keep the answer (<see cref="IsSoldOutOrRecheck"/>).
/// </summary>
internal sealed class SoldOutCache(TimeProvider timeProvider, TimeSpan entryLifetime)
{
    private const long Inactive = -1;

    /// <summary>How long every other caller keeps an expired entry's answer while one caller rechecks it with the source.</summary>
    public static readonly TimeSpan RecheckHold = TimeSpan.FromSeconds(1);

    private readonly long lifetime = (long)Math.Min(entryLifetime.TotalSeconds * timeProvider.TimestampFrequency, long.MaxValue / 2);
    private readonly long recheckHold = (long)(RecheckHold.TotalSeconds * timeProvider.TimestampFrequency);

    private readonly ConcurrentDictionary<string, long> soldOutUntil = new(StringComparer.Ordinal);
    private long generation;
    private volatile bool active;

    /// <summary>
    /// Stops recording new entries (in-flight answers included) but keeps answering from the existing ones:
    /// for Redis, while the restock subscription is down.
    /// </summary>
    public void Suspend()
    {
        active = false;
        Interlocked.Increment(ref generation);
    }

    /// <summary>Forgets every entry (restocks may have been missed) and starts recording again.</summary>
    public void Resume()
    {
        ClearAll();
        active = true;
    }

    /// <summary>The first line's sku this cache holds as sold out, or null.</summary>
    public string? FirstSoldOut(IReadOnlyList<StockLine> lines)
    {
        for (var i = 0; i < lines.Count; i++)
        {
            if (IsSoldOut(lines[i].Sku))
            {
                return lines[i].Sku;
            }
        }

        return null;
    }

    /// <summary>Whether the sku is held sold out now (while it is rechecked, too). Never starts a recheck.</summary>
    public bool IsSoldOut(string sku) =>
        !soldOutUntil.IsEmpty && soldOutUntil.TryGetValue(sku, out var until) && timeProvider.GetTimestamp() < until;

    /// <summary>
    /// Asked before asking the source: true when the sku is held sold out; false when the caller must ask, because the
    /// sku is not held or because its entry expired and this caller is the one to recheck it. Every other caller keeps the
    /// answer for up to <see cref="RecheckHold"/> meanwhile, so a crowd on an expired sku asks the source once, not once
    /// per request in flight. The recheck's answer marks the sku again (<see cref="MarkSoldOut"/>) or drops it (<see cref="Forget"/>).
    /// </summary>
    public bool IsSoldOutOrRecheck(string sku)
    {
        if (soldOutUntil.IsEmpty || !soldOutUntil.TryGetValue(sku, out var until))
        {
            return false;
        }

        var now = timeProvider.GetTimestamp();
        if (now < until)
        {
            return true;
        }

        return !soldOutUntil.TryUpdate(sku, now + recheckHold, until) && IsSoldOut(sku);
    }

    /// <summary>Taken before asking the source of truth; pass it to <see cref="MarkSoldOut"/> with the answer.</summary>
    public long BeginObservation() => active ? Volatile.Read(ref generation) : Inactive;

    public void MarkSoldOut(string sku, long observation)
    {
        if (observation == Inactive || Volatile.Read(ref generation) != observation)
        {
            return;
        }

        var until = timeProvider.GetTimestamp() + lifetime;
        soldOutUntil[sku] = until;
        if (Volatile.Read(ref generation) != observation)
        {
            soldOutUntil.TryRemove(new KeyValuePair<string, long>(sku, until));
        }
    }

    /// <summary>
    /// The source admitted the sku: what was held for it (a recheck's hold) no longer stands. Answers in flight are kept:
    /// one that says sold out was given after this admission, or a restock in between has already discarded it.
    /// </summary>
    public void Forget(string sku)
    {
        if (!soldOutUntil.IsEmpty)
        {
            soldOutUntil.TryRemove(sku, out _);
        }
    }

    public void Clear(string sku)
    {
        Interlocked.Increment(ref generation);
        soldOutUntil.TryRemove(sku, out _);
    }

    public void ClearAll()
    {
        Interlocked.Increment(ref generation);
        soldOutUntil.Clear();
    }
}
