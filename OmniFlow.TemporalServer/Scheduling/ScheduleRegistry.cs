using System.Collections.Concurrent;

namespace OmniFlow.TemporalServer.Scheduling;

/// <summary>Every schedule by namespace and schedule id, in creation order for listing.</summary>
public sealed class ScheduleRegistry
{
    private readonly ConcurrentDictionary<(string Namespace, string ScheduleId), ScheduleEntry> _entries = new();
    private long _order;

    public bool TryAdd(ScheduleEntry entry)
    {
        if (!_entries.TryAdd((entry.Namespace, entry.ScheduleId), entry))
        {
            return false;
        }

        entry.Order = Interlocked.Increment(ref _order);
        return true;
    }

    /// <summary>A stored entry, keeping its place in the creation order.</summary>
    public void Restore(ScheduleEntry entry)
    {
        _entries[(entry.Namespace, entry.ScheduleId)] = entry;
        _order = Math.Max(_order, entry.Order);
    }

    public ScheduleEntry? Find(string @namespace, string scheduleId) => _entries.GetValueOrDefault((@namespace, scheduleId));

    public bool Remove(ScheduleEntry entry) =>
        _entries.TryRemove(new KeyValuePair<(string, string), ScheduleEntry>((entry.Namespace, entry.ScheduleId), entry));

    public IReadOnlyList<ScheduleEntry> InNamespace(string @namespace) =>
        [.. _entries.Values.Where(e => e.Namespace == @namespace).OrderBy(e => e.Order)];

    public IEnumerable<ScheduleEntry> All => _entries.Values;
}
