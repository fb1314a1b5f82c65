using System.Collections.Concurrent;

namespace OmniFlow.TemporalServer.Scheduling;

/// <summary>Every schedule by namespace and schedule id, in creation order for listing.</summary>
public sealed class ScheduleRegistry
{
    private readonly ConcurrentDictionary<(string Namespace, string ScheduleId), ScheduleEntry> _entries = new();
    private long _order;
    private readonly ConcurrentDictionary<ScheduleEntry, long> _created = new();

    public bool TryAdd(ScheduleEntry entry)
    {
        if (!_entries.TryAdd((entry.Namespace, entry.ScheduleId), entry))
        {
            return false;
        }

        _created[entry] = Interlocked.Increment(ref _order);
        return true;
    }

    public ScheduleEntry? Find(string @namespace, string scheduleId) => _entries.GetValueOrDefault((@namespace, scheduleId));

    public bool Remove(ScheduleEntry entry)
    {
        _created.TryRemove(entry, out _);
        return _entries.TryRemove(new KeyValuePair<(string, string), ScheduleEntry>((entry.Namespace, entry.ScheduleId), entry));
    }

    public IReadOnlyList<ScheduleEntry> InNamespace(string @namespace) =>
        [.. _entries.Values.Where(e => e.Namespace == @namespace).OrderBy(e => _created.GetValueOrDefault(e))];
}
