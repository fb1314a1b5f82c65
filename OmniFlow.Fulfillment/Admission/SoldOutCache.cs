using System.Collections.Concurrent;
using OmniFlow.Fulfillment.Inventory;

namespace OmniFlow.Fulfillment.Admission;

/// <summary>
/// The L0 cache: skus this instance has seen sold out, answered locally until a restock clears them.
/// A sold-out answer only becomes an entry when no restock was seen while it was in flight
/// (see <see cref="BeginObservation"/>), so a late reply can never hide a restock.
/// </summary>
internal sealed class SoldOutCache(TimeProvider timeProvider, TimeSpan entryLifetime)
{
    private const long Inactive = -1;

    private readonly long lifetime = (long)Math.Min(entryLifetime.TotalSeconds * timeProvider.TimestampFrequency, long.MaxValue / 2);

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

    public bool IsSoldOut(string sku)
    {
        if (soldOutUntil.IsEmpty || !soldOutUntil.TryGetValue(sku, out var until))
        {
            return false;
        }

        if (timeProvider.GetTimestamp() < until)
        {
            return true;
        }

        soldOutUntil.TryRemove(new KeyValuePair<string, long>(sku, until));
        return false;
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
