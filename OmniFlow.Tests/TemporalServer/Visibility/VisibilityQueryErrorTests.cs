using OmniFlow.TemporalServer.Visibility;
using static OmniFlow.Tests.TemporalServer.Visibility.TestAttributes;

namespace OmniFlow.Tests.TemporalServer.Visibility;

public sealed class VisibilityQueryErrorTests
{
    private static VisibilityQueryException ParseFails(string query) =>
        Assert.Throws<VisibilityQueryException>(() => VisibilityQuery.Parse(query, Registry()));

    [Fact]
    public void Unknown_attribute_is_named()
    {
        var error = ParseFails("WorkflowId = 'a' AND Nope = 'x'");
        Assert.Equal("invalid query: unknown search attribute Nope", error.Message);
        Assert.Equal(22, error.Position);
    }

    [Fact]
    public void Attribute_names_are_case_sensitive() =>
        Assert.Equal("invalid query: unknown search attribute workflowId", ParseFails("workflowId = 'a'").Message);

    [Fact]
    public void Reserved_internal_fields_are_not_queryable() =>
        Assert.Contains("unknown search attribute NamespaceId", ParseFails("NamespaceId = 'x'").Message);

    [Theory]
    [InlineData("WorkflowId = ", 14, "expected a value at position 14 but found end of query")]
    [InlineData("WorkflowId 'a'", 12, "expected a comparison operator, IN, BETWEEN, STARTS_WITH or IS at position 12")]
    [InlineData("WorkflowId = 'a' WorkflowType = 'b'", 18, "expected AND, OR, GROUP BY, ORDER BY or end of query at position 18 but found 'WorkflowType'")]
    [InlineData("(WorkflowId = 'a'", 18, "expected ')' at position 18 but found end of query")]
    [InlineData("WorkflowId = 'a')", 17, "at position 17 but found ')'")]
    [InlineData("WorkflowId = 'a' AND", 21, "expected a search attribute name at position 21")]
    [InlineData("AND WorkflowId = 'a'", 1, "expected a search attribute name at position 1 but found 'AND'")]
    [InlineData("WorkflowId = 'abc", 14, "unterminated string starting at position 14")]
    [InlineData("`My Attr = 'a'", 1, "unterminated quoted name starting at position 1")]
    [InlineData("WorkflowId ! 'a'", 12, "unexpected character '!' at position 12")]
    [InlineData("WorkflowId = 'a' ; drop", 18, "unexpected character ';' at position 18")]
    [InlineData("WorkflowId IN 'a'", 15, "expected '(' at position 15")]
    [InlineData("WorkflowId IN ('a' 'b')", 20, "expected ',' or ')' at position 20")]
    [InlineData("WorkflowId IN ()", 16, "expected a value at position 16")]
    [InlineData("CustomIntField BETWEEN 1 OR 2", 26, "expected AND at position 26")]
    [InlineData("CloseTime IS NOT", 17, "expected NULL at position 17")]
    [InlineData("WorkflowId NOT = 'a'", 16, "expected IN, BETWEEN or STARTS_WITH at position 16")]
    [InlineData("WorkflowId STARTS_WITH 5", 24, "expected a string prefix at position 24")]
    [InlineData("ORDER StartTime", 7, "expected BY at position 7")]
    [InlineData("ORDER BY", 9, "expected a search attribute name at position 9")]
    [InlineData("ORDER BY StartTime WorkflowId", 20, "expected ',' or end of query at position 20 but found 'WorkflowId'")]
    [InlineData("GROUP BY ExecutionStatus WorkflowId = 'a'", 26, "expected ORDER BY or end of query at position 26")]
    public void Syntax_errors_say_what_was_expected_and_where(string query, int position, string message)
    {
        var error = ParseFails(query);
        Assert.StartsWith("invalid query: ", error.Message);
        Assert.Contains(message, error.Message);
        Assert.Equal(position, error.Position);
    }

    [Theory]
    [InlineData("CustomIntField = 'five'", "search attribute CustomIntField of type Int cannot be compared with string 'five' at position 18")]
    [InlineData("CustomIntField = 1.5", "of type Int cannot be compared with '1.5'")]
    [InlineData("CustomIntField = '5'", "of type Int cannot be compared with string '5'")]
    [InlineData("CustomDoubleField > 'x'", "of type Double cannot be compared")]
    [InlineData("CustomBoolField = 'true'", "of type Bool cannot be compared")]
    [InlineData("CustomBoolField = 1", "of type Bool cannot be compared")]
    [InlineData("WorkflowId = 5", "of type Keyword cannot be compared with '5'")]
    [InlineData("WorkflowId = true", "of type Keyword cannot be compared with 'true'")]
    [InlineData("WorkflowId = NULL", "of type Keyword cannot be compared with 'NULL'")]
    [InlineData("StartTime > 'yesterday'", "of type Datetime cannot be compared with string 'yesterday'")]
    [InlineData("StartTime > '2021-13-45T00:00:00Z'", "of type Datetime cannot be compared")]
    [InlineData("CustomIntField IN (1, 'two')", "cannot be compared with string 'two' at position 23")]
    [InlineData("CustomIntField BETWEEN 1 AND 'z'", "cannot be compared with string 'z'")]
    [InlineData("ExecutionDuration > 'forever'", "of type Int cannot be compared with string 'forever'")]
    [InlineData("ExecutionStatus = 'Sleeping'", "'Sleeping' at position 19 is not a valid ExecutionStatus (expected one of Running, Completed, Failed, Canceled, Terminated, ContinuedAsNew, TimedOut, Paused)")]
    [InlineData("ExecutionStatus = '1'", "is not a valid ExecutionStatus")]
    [InlineData("ExecutionStatus = 'Running, Completed'", "is not a valid ExecutionStatus")]
    [InlineData("ExecutionStatus = 'Unspecified'", "is not a valid ExecutionStatus")]
    public void Literals_of_the_wrong_type_are_rejected(string query, string message) =>
        Assert.Contains(message, ParseFails(query).Message);

    [Theory]
    [InlineData("CustomTextField > 'a'", "operator > is not supported for Text search attribute CustomTextField at position 17")]
    [InlineData("CustomTextField IN ('a')", "operator IN is not supported for Text")]
    [InlineData("CustomTextField STARTS_WITH 'a'", "operator STARTS_WITH is not supported for Text")]
    [InlineData("CustomKeywordListField > 'a'", "operator > is not supported for KeywordList")]
    [InlineData("CustomKeywordListField BETWEEN 'a' AND 'b'", "operator BETWEEN is not supported for KeywordList")]
    [InlineData("CustomBoolField < true", "operator < is not supported for Bool")]
    [InlineData("CustomIntField STARTS_WITH '1'", "operator STARTS_WITH is not supported for Int")]
    [InlineData("StartTime NOT STARTS_WITH '2021'", "operator STARTS_WITH is not supported for Datetime")]
    public void Operators_a_type_cannot_support_are_rejected(string query, string message) =>
        Assert.Contains(message, ParseFails(query).Message);

    [Theory]
    [InlineData("GROUP BY WorkflowType", "cannot GROUP BY WorkflowType at position 10; only ExecutionStatus is supported")]
    [InlineData("ExecutionStatus = 'Running' GROUP BY CustomKeywordField", "cannot GROUP BY CustomKeywordField at position 38")]
    [InlineData("GROUP BY ExecutionStatus, WorkflowType", "GROUP BY takes a single attribute, found ',' at position 25")]
    [InlineData("GROUP BY Nope", "unknown search attribute Nope")]
    [InlineData("ORDER BY CustomTextField", "ORDER BY is not supported for Text search attribute CustomTextField at position 10")]
    [InlineData("ORDER BY CustomKeywordListField DESC", "ORDER BY is not supported for KeywordList")]
    [InlineData("ORDER BY StartTime GROUP BY ExecutionStatus", "expected ',' or end of query")]
    public void Unsupported_group_by_and_order_by_are_rejected(string query, string message) =>
        Assert.Contains(message, ParseFails(query).Message);

    [Fact]
    public void Errors_are_argument_exceptions_for_the_frontend() =>
        Assert.IsAssignableFrom<ArgumentException>(ParseFails("WorkflowId ="));
}
