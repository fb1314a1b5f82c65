using OmniFlow.TemporalServer.Visibility;
using Temporalio.Api.Enums.V1;
using static OmniFlow.Tests.TemporalServer.Visibility.TestAttributes;

namespace OmniFlow.Tests.TemporalServer.Visibility;

public sealed class VisibilityQueryFilterTests
{
    [Theory]
    [InlineData(null, "a,b,c")]
    [InlineData("", "a,b,c")]
    [InlineData("   ", "a,b,c")]
    [InlineData("WorkflowId = 'order-1'", "a")]
    [InlineData("WorkflowId != 'order-1'", "b,c")]
    [InlineData("WorkflowId <> 'order-1'", "b,c")]
    [InlineData("WorkflowId > 'order-1'", "b,c")]
    [InlineData("WorkflowId >= 'order-2'", "b,c")]
    [InlineData("WorkflowId < 'order-2'", "a")]
    [InlineData("WorkflowId <= 'order-2'", "a,b")]
    [InlineData("CustomIntField = 5", "a")]
    [InlineData("CustomIntField != 5", "b")]
    [InlineData("CustomIntField > 5", "b")]
    [InlineData("CustomIntField >= 5", "a,b")]
    [InlineData("CustomIntField < 10", "a")]
    [InlineData("CustomIntField <= 10", "a,b")]
    [InlineData("CustomIntField > -1", "a,b")]
    [InlineData("CustomDoubleField > 1.5", "b")]
    [InlineData("CustomDoubleField = 2.5", "b")]
    [InlineData("CustomDoubleField < 2", "a")]
    [InlineData("CustomDoubleField >= 1.5e0", "a,b")]
    [InlineData("CustomBoolField = true", "a")]
    [InlineData("CustomBoolField = FALSE", "b")]
    [InlineData("CustomBoolField != true", "b")]
    public void Comparison_operators_filter_by_type(string? query, string expected) =>
        Assert.Equal(expected, Matching(query));

    [Theory]
    [InlineData("WorkflowId IN ('order-1', 'ship-1')", "a,c")]
    [InlineData("WorkflowId in ('order-1')", "a")]
    [InlineData("WorkflowId NOT IN ('order-1', 'ship-1')", "b")]
    [InlineData("CustomIntField IN (5, 7)", "a")]
    [InlineData("CustomIntField NOT IN (5)", "b")]
    [InlineData("ExecutionStatus IN ('Completed', 'Failed')", "b,c")]
    [InlineData("CustomIntField BETWEEN 5 AND 9", "a")]
    [InlineData("CustomIntField between 5 and 10", "a,b")]
    [InlineData("CustomIntField NOT BETWEEN 6 AND 20", "a")]
    [InlineData("WorkflowId BETWEEN 'order-' AND 'order-~'", "a,b")]
    [InlineData("WorkflowType STARTS_WITH 'Order'", "a,b")]
    [InlineData("WorkflowType starts_with \"Ship\"", "c")]
    [InlineData("WorkflowType NOT STARTS_WITH 'Order'", "c")]
    [InlineData("CloseTime IS NULL", "a")]
    [InlineData("CloseTime is not null", "b,c")]
    [InlineData("CustomKeywordField IS NULL", "c")]
    [InlineData("CustomKeywordListField IS NOT NULL", "a,b")]
    public void Set_range_prefix_and_null_operators(string query, string expected) =>
        Assert.Equal(expected, Matching(query));

    [Theory]
    [InlineData("WorkflowType = 'OrderWorkflow' OR WorkflowType = 'ShipmentWorkflow' AND ExecutionStatus = 'Running'", "a,b")]
    [InlineData("(WorkflowType = 'OrderWorkflow' OR WorkflowType = 'ShipmentWorkflow') AND ExecutionStatus = 'Running'", "a")]
    [InlineData("ExecutionStatus = 'Running' AND WorkflowId = 'order-1' OR WorkflowId = 'ship-1'", "a,c")]
    [InlineData("ExecutionStatus = 'Running' AND (WorkflowId = 'order-1' OR WorkflowId = 'ship-1')", "a")]
    [InlineData("((WorkflowId = 'order-1'))", "a")]
    [InlineData("NOT WorkflowId = 'order-1'", "b,c")]
    [InlineData("NOT (WorkflowId = 'order-1' OR WorkflowId = 'order-2')", "c")]
    [InlineData("not not WorkflowId = 'order-1'", "a")]
    [InlineData("workflowid = 'x' oR WorkflowId = 'order-2'", "b")]
    public void And_binds_tighter_than_or_and_parentheses_group(string query, string expected)
    {
        var registry = Registry();
        registry.Add("workflowid", IndexedValueType.Keyword);
        var parsed = VisibilityQuery.Parse(query, registry);
        Assert.Equal(expected, string.Join(",", Runs.Where(parsed.Matches).Select(r => r.RunId)));
    }

    [Theory]
    [InlineData("CustomIntField > 100 OR NOT CustomIntField > 100", "a,b")]
    [InlineData("NOT CustomKeywordField = 'alpha'", "b")]
    [InlineData("CustomKeywordField != 'alpha'", "b")]
    [InlineData("CustomKeywordField NOT IN ('zeta')", "a,b")]
    [InlineData("CustomKeywordField = 'x' OR WorkflowId = 'ship-1'", "c")]
    [InlineData("NOT (CustomKeywordField = 'x' AND WorkflowId = 'ship-1')", "a,b")]
    [InlineData("NOT (CustomKeywordField = 'x' AND WorkflowId = 'order-1')", "a,b,c")]
    public void Absent_attributes_follow_sql_three_valued_logic(string query, string expected) =>
        Assert.Equal(expected, Matching(query));

    [Theory]
    [InlineData("`My Attr` = 'it''s \"quoted\"'", "a")]
    [InlineData("`My Attr` = \"it's \\\"quoted\\\"\"", "a")]
    [InlineData("`My Attr` = 'it\\'s \"quoted\"'", "a")]
    [InlineData("`WorkflowId` = 'order-2'", "b")]
    [InlineData("WorkflowId = \"ship-1\"", "c")]
    [InlineData("WorkflowId = 'AND'", "")]
    public void Quotes_escapes_and_backquoted_names(string query, string expected) =>
        Assert.Equal(expected, Matching(query));

    [Theory]
    [InlineData("StartTime > '2021-08-22T15:04:05+00:00'", "b,c")]
    [InlineData("StartTime >= '2021-08-22T15:00:00Z'", "a,b,c")]
    [InlineData("StartTime = '2021-08-22T17:00:00+02:00'", "a")]
    [InlineData("StartTime < '2021-08-22T08:30:00-08:00'", "a,b")]
    [InlineData("StartTime > '2021-08-22T15:00:00.000000001Z'", "b,c")]
    [InlineData("CloseTime BETWEEN '2021-08-22T16:30:00Z' AND '2021-08-22T17:00:00Z'", "b")]
    [InlineData("CustomDatetimeField > '2021-08-23T15:00:00Z'", "b")]
    [InlineData("CustomDatetimeField = '2021-08-23T15:00:00Z'", "a")]
    [InlineData("ExecutionTime < '2021-08-22T16:00:00Z' OR ExecutionTime > '2021-08-22T16:30:00Z'", "a,c")]
    [InlineData("ExecutionDuration > '45m'", "b")]
    [InlineData("ExecutionDuration <= '00:30:00'", "c")]
    [InlineData("ExecutionDuration = 3600000000000", "b")]
    public void Datetimes_and_durations_compare_as_instants(string query, string expected) =>
        Assert.Equal(expected, Matching(query));

    [Theory]
    [InlineData("CustomKeywordListField = 'green'", "a")]
    [InlineData("CustomKeywordListField = 'gree'", "")]
    [InlineData("CustomKeywordListField != 'green'", "b")]
    [InlineData("CustomKeywordListField IN ('blue', 'red')", "a,b")]
    [InlineData("CustomKeywordListField NOT IN ('blue')", "a")]
    public void Keyword_list_equality_means_contains(string query, string expected) =>
        Assert.Equal(expected, Matching(query));

    [Theory]
    [InlineData("CustomTextField = 'foobar'", "a")]
    [InlineData("CustomTextField = 'FOOBAR'", "a")]
    [InlineData("CustomTextField = 'foo'", "")]
    [InlineData("CustomTextField = 'business'", "a,b")]
    [InlineData("CustomTextField = 'nothing business'", "a,b")]
    [InlineData("CustomTextField != 'foobar'", "b")]
    public void Text_matches_whole_words_case_insensitively(string query, string expected) =>
        Assert.Equal(expected, Matching(query));

    [Theory]
    [InlineData("ExecutionStatus = 'Running'", "a")]
    [InlineData("ExecutionStatus = 'running'", "a")]
    [InlineData("ExecutionStatus != 'Running'", "b,c")]
    public void Execution_status_literals_are_case_insensitive_names(string query, string expected) =>
        Assert.Equal(expected, Matching(query));

    [Fact]
    public void Record_values_in_other_clr_shapes_are_normalized()
    {
        var run = TestRun.Of("x",
            ("CustomIntField", 5), ("CustomDoubleField", 2.5f), ("StartTime", T0.UtcDateTime),
            ("ExecutionStatus", WorkflowExecutionStatus.TimedOut),
            ("CustomKeywordListField", new List<string> { "red" }));
        var registry = Registry();
        Assert.True(VisibilityQuery.Parse(
            "CustomIntField = 5 AND CustomDoubleField = 2.5 AND StartTime = '2021-08-22T15:00:00Z' " +
            "AND ExecutionStatus = 'TimedOut' AND CustomKeywordListField = 'red'", registry).Matches(run));
    }
}
