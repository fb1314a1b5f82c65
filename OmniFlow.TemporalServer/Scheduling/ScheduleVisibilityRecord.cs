using OmniFlow.TemporalServer.Visibility;

namespace OmniFlow.TemporalServer.Scheduling;

/// <summary>A schedule's indexed fields for ListSchedules' query: its custom search attributes, whether it is paused, and its id.</summary>
public sealed class ScheduleVisibilityRecord : IVisibilityRecord
{
    private readonly Dictionary<string, object?> _values = new(StringComparer.Ordinal);

    public object? GetValue(string name) => _values.GetValueOrDefault(name);

    /// <summary>Call under the schedule's lock.</summary>
    public static ScheduleVisibilityRecord Of(ScheduleEntry entry, ISearchAttributeTypes types)
    {
        var record = new ScheduleVisibilityRecord();
        foreach (var (name, payload) in entry.SearchAttributes?.IndexedFields ?? [])
        {
            if (types.TryGetType(name, out var type))
            {
                try
                {
                    record._values[name] = SearchAttributeValues.Decode(name, payload, type);
                }
                catch (VisibilityQueryException)
                {
                    // A value the current registry cannot read is simply not indexed.
                }
            }
        }

        record._values["TemporalSchedulePaused"] = entry.State.Paused;
        if (!ScheduleQuery.HasCustomScheduleId(types))
        {
            record._values[ScheduleQuery.ScheduleId] = entry.ScheduleId;
        }

        return record;
    }
}
