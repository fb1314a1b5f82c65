namespace OmniFlow.TemporalServer.Visibility;

public sealed record OrderByClause(string Attribute, bool Descending);

/// <summary>How many records matched, and per group when the query has GROUP BY.</summary>
public sealed record VisibilityCount(long Total, IReadOnlyList<VisibilityCountGroup> Groups);

/// <summary>One group of a GROUP BY count: the group's values (one per GROUP BY attribute) and its size.</summary>
public sealed record VisibilityCountGroup(IReadOnlyList<object?> Values, long Count);

/// <summary>A parsed list filter (Temporal's SQL-like visibility query) that filters, sorts and counts runs.</summary>
public sealed class VisibilityQuery
{
    /// <summary>Without ORDER BY the real server lists open runs first, then by CloseTime DESC, StartTime DESC.</summary>
    private static readonly IReadOnlyList<SortKey> DefaultOrder =
    [
        new(SystemSearchAttributes.CloseTime, Descending: true, NullsFirst: true),
        new(SystemSearchAttributes.StartTime, Descending: true, NullsFirst: false),
    ];

    private readonly Expr? filter;
    private readonly SortValuesComparer comparer;

    private VisibilityQuery(ParsedQuery parsed)
    {
        filter = parsed.Filter;
        OrderBy = parsed.OrderBy;
        GroupBy = parsed.GroupBy;
        comparer = new SortValuesComparer(OrderBy.Count == 0
            ? DefaultOrder
            : [.. OrderBy.Select(c => new SortKey(c.Attribute, c.Descending, NullsFirst: false))]);
    }

    public IReadOnlyList<OrderByClause> OrderBy { get; }

    public string? GroupBy { get; }

    /// <summary>Parses a list filter; null or blank matches every record.</summary>
    /// <exception cref="VisibilityQueryException">The query is malformed or names unknown attributes.</exception>
    public static VisibilityQuery Parse(string? query, ISearchAttributeTypes types) =>
        new(Parser.Parse(query ?? "", types));

    public bool Matches(IVisibilityRecord record) => filter is null || filter.Evaluate(record) == true;

    /// <summary>
    /// Orders records by ORDER BY (absent values last), or by default open runs first, then CloseTime DESC,
    /// StartTime DESC; RunId breaks ties.
    /// </summary>
    public IReadOnlyList<T> Sort<T>(IEnumerable<T> records) where T : IVisibilityRecord =>
        [.. records.OrderBy(r => comparer.Read(r), comparer)];

    /// <summary>The matching records, sorted.</summary>
    public IReadOnlyList<T> Apply<T>(IEnumerable<T> records) where T : IVisibilityRecord =>
        Sort(records.Where(r => Matches(r)));

    /// <summary>Counts the matching records, grouped by <see cref="GroupBy"/> when set (largest group first).</summary>
    public VisibilityCount Count<T>(IEnumerable<T> records) where T : IVisibilityRecord
    {
        var matching = records.Where(r => Matches(r)).ToList();
        if (GroupBy is null)
        {
            return new VisibilityCount(matching.Count, []);
        }
        var groups = matching
            .GroupBy(r => SearchAttributeValues.Normalize(r.GetValue(GroupBy)) as string ?? "")
            .Select(g => new VisibilityCountGroup([g.Key], g.LongCount()))
            .OrderByDescending(g => g.Count)
            .ThenBy(g => (string)g.Values[0]!, StringComparer.Ordinal)
            .ToList();
        return new VisibilityCount(matching.Count, groups);
    }

    private sealed record SortKey(string Attribute, bool Descending, bool NullsFirst);

    /// <summary>Compares the sort values read once per record: one per key, then the RunId tie-break.</summary>
    private sealed class SortValuesComparer(IReadOnlyList<SortKey> keys) : IComparer<object?[]>
    {
        public object?[] Read(IVisibilityRecord record) =>
            [.. keys.Select(k => SearchAttributeValues.Normalize(record.GetValue(k.Attribute))),
                record.GetValue(SystemSearchAttributes.RunId) as string];

        public int Compare(object?[]? x, object?[]? y)
        {
            for (var i = 0; i < keys.Count; i++)
            {
                var order = CompareValues(x![i], y![i], keys[i]);
                if (order != 0)
                {
                    return order;
                }
            }
            return string.CompareOrdinal(x![keys.Count] as string, y![keys.Count] as string);
        }

        private static int CompareValues(object? x, object? y, SortKey key) => (x, y) switch
        {
            (null, null) => 0,
            (null, _) => key.NullsFirst ? -1 : 1,
            (_, null) => key.NullsFirst ? 1 : -1,
            _ => (ValueComparison.Compare(x, y) ?? 0) * (key.Descending ? -1 : 1),
        };
    }
}
