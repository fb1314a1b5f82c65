using OmniFlow.TemporalServer.Visibility;
using Temporalio.Api.Enums.V1;

namespace OmniFlow.TemporalServer.Scheduling;

/// <summary>
/// A ListSchedules query, as the real server takes it (service/worker/scheduler/query.go and its ScheduleId rewrite):
/// the namespace's custom search attributes, <c>TemporalSchedulePaused</c>, and <c>ScheduleId</c> (the schedule's id,
/// unless the namespace defines a custom ScheduleId). Any other system or reserved attribute is refused
/// ("invalid query filter for schedules: cannot filter on ..."), and so are ORDER BY and GROUP BY, which the real server
/// cannot append to its own schedule filter. Schedules are listed newest first, as its visibility store orders them.
/// </summary>
public static class ScheduleQuery
{
    public const string ScheduleId = nameof(ScheduleId);

    private const string Paused = "TemporalSchedulePaused";

    /// <exception cref="VisibilityQueryException">A malformed query, or one naming what schedules cannot be filtered on.</exception>
    public static VisibilityQuery Parse(string? query, ISearchAttributeTypes namespaceTypes)
    {
        var named = new NamingTypes(namespaceTypes);
        var parsed = VisibilityQuery.Parse(query, named);
        if (named.Names.FirstOrDefault(IsReserved) is { } reserved)
        {
            throw new VisibilityQueryException($"invalid query filter for schedules: cannot filter on \"{reserved}\"");
        }

        if (parsed.OrderBy.Count > 0 || parsed.GroupBy is not null)
        {
            throw new VisibilityQueryException("invalid query filter for schedules: ORDER BY and GROUP BY are not supported");
        }

        return parsed;
    }

    /// <summary>The namespace defines its own ScheduleId attribute: the query means that one, not the schedule's id.</summary>
    public static bool HasCustomScheduleId(ISearchAttributeTypes namespaceTypes) =>
        namespaceTypes.TryGetType(ScheduleId, out _);

    private static bool IsReserved(string name) =>
        name != Paused &&
        (SystemSearchAttributes.All.ContainsKey(name) || SystemSearchAttributes.Reserved.Contains(name) ||
         name.StartsWith("Temporal", StringComparison.Ordinal));

    /// <summary>The namespace's attributes plus ScheduleId; remembers every name the query uses.</summary>
    private sealed class NamingTypes(ISearchAttributeTypes namespaceTypes) : ISearchAttributeTypes
    {
        public List<string> Names { get; } = [];

        public bool TryGetType(string name, out IndexedValueType type)
        {
            Names.Add(name);
            if (namespaceTypes.TryGetType(name, out type))
            {
                return true;
            }

            type = IndexedValueType.Keyword;
            return name == ScheduleId;
        }
    }
}
