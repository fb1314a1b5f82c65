using OmniFlow.TemporalServer.Visibility;
using Temporalio.Api.Enums.V1;

namespace OmniFlow.Tests.TemporalServer.Visibility;

/// <summary>A run as a bag of named values, the way the engine exposes one to the visibility layer.</summary>
internal sealed record TestRun(IReadOnlyDictionary<string, object?> Values) : IVisibilityRecord
{
    public string RunId => (string)Values["RunId"]!;

    public object? GetValue(string name) => Values.GetValueOrDefault(name);

    public static TestRun Of(string runId, params (string Name, object? Value)[] values) =>
        new(values.Append(("RunId", runId)).ToDictionary<(string Name, object? Value), string, object?>(v => v.Name, v => v.Value));
}

internal static class TestAttributes
{
    public static readonly DateTimeOffset T0 = new(2021, 8, 22, 15, 0, 0, TimeSpan.Zero);

    public static SearchAttributeRegistry Registry() => new(new Dictionary<string, IndexedValueType>
    {
        ["CustomKeywordField"] = IndexedValueType.Keyword,
        ["CustomTextField"] = IndexedValueType.Text,
        ["CustomIntField"] = IndexedValueType.Int,
        ["CustomDoubleField"] = IndexedValueType.Double,
        ["CustomBoolField"] = IndexedValueType.Bool,
        ["CustomDatetimeField"] = IndexedValueType.Datetime,
        ["CustomKeywordListField"] = IndexedValueType.KeywordList,
        ["My Attr"] = IndexedValueType.Keyword,
    });

    /// <summary>a: running order; b: completed order; c: failed shipment without custom attributes.</summary>
    public static readonly IReadOnlyList<TestRun> Runs =
    [
        TestRun.Of("a",
            ("WorkflowId", "order-1"), ("WorkflowType", "OrderWorkflow"), ("ExecutionStatus", "Running"),
            ("TaskQueue", "orders"), ("StartTime", T0), ("ExecutionTime", T0),
            ("CustomKeywordField", "alpha"), ("CustomTextField", "my-business-id-foobar"), ("CustomIntField", 5L),
            ("CustomDoubleField", 1.5), ("CustomBoolField", true), ("CustomDatetimeField", T0.AddDays(1)),
            ("CustomKeywordListField", new[] { "red", "green" }), ("My Attr", "it's \"quoted\"")),
        TestRun.Of("b",
            ("WorkflowId", "order-2"), ("WorkflowType", "OrderWorkflow"), ("ExecutionStatus", "Completed"),
            ("TaskQueue", "orders"), ("StartTime", T0.AddHours(1)), ("ExecutionTime", T0.AddHours(1)),
            ("CloseTime", T0.AddHours(2)), ("ExecutionDuration", TimeSpan.FromHours(1).Ticks * 100),
            ("CustomKeywordField", "beta"), ("CustomTextField", "my business id"), ("CustomIntField", 10L),
            ("CustomDoubleField", 2.5), ("CustomBoolField", false), ("CustomDatetimeField", T0.AddDays(2)),
            ("CustomKeywordListField", new[] { "blue" })),
        TestRun.Of("c",
            ("WorkflowId", "ship-1"), ("WorkflowType", "ShipmentWorkflow"), ("ExecutionStatus", "Failed"),
            ("TaskQueue", "shipping"), ("StartTime", T0.AddHours(2)), ("ExecutionTime", T0.AddHours(2)),
            ("CloseTime", T0.AddHours(3)), ("ExecutionDuration", TimeSpan.FromMinutes(30).Ticks * 100)),
    ];

    /// <summary>The run ids the query matches, in alphabetical order, joined with commas.</summary>
    public static string Matching(string? query)
    {
        var parsed = VisibilityQuery.Parse(query, Registry());
        return string.Join(",", Runs.Where(parsed.Matches).Select(r => r.RunId).Order(StringComparer.Ordinal));
    }
}
