using OmniFlow.TemporalServer.Visibility;
using static OmniFlow.Tests.TemporalServer.Visibility.TestAttributes;

namespace OmniFlow.Tests.TemporalServer.Visibility;

/// <summary>Every List Filter example from docs.temporal.io (list-filter page and CLI/UI hints) parses.</summary>
public sealed class DocumentedExamplesTests
{
    [Theory]
    [InlineData("WorkflowType = \"main.YourWorkflowDefinition\" and ExecutionStatus != \"Running\" and (StartTime > \"2021-06-07T16:46:34.236-08:00\" or CloseTime > \"2021-06-07T16:46:34-08:00\")")]
    [InlineData("WorkflowType = \"main.YourWorkflowDefinition\" and ExecutionStatus != \"Running\" and (StartTime > \"2021-06-07T16:46:34.236-08:00\" or CloseTime > \"2021-06-07T16:46:34-08:00\") order by StartTime desc")]
    [InlineData("WorkflowId = '<workflow-id>'")]
    [InlineData("WorkflowId = '<workflow-id>' or WorkflowId = '<another-workflow-id>'")]
    [InlineData("WorkflowId IN ('<workflow-id>', '<another-workflow-id>')")]
    [InlineData("WorkflowId = '<workflow-id>' order by StartTime desc")]
    [InlineData("WorkflowId = '<workflow-id>' and ExecutionStatus = 'Running'")]
    [InlineData("WorkflowId = '<workflow-id>' or ExecutionStatus = 'Running'")]
    [InlineData("WorkflowId = '<workflow-id>' and StartTime > '2021-08-22T15:04:05+00:00'")]
    [InlineData("ExecutionTime between '2021-08-22T15:04:05+00:00' and '2021-08-28T15:04:05+00:00'")]
    [InlineData("ExecutionTime < '2021-08-28T15:04:05+00:00' or ExecutionTime > '2021-08-22T15:04:05+00:00'")]
    [InlineData("order by ExecutionTime")]
    [InlineData("order by StartTime desc, CloseTime asc")]
    [InlineData("order by CustomIntField asc")]
    [InlineData("WorkflowType STARTS_WITH '<workflow-type-prefix>'")]
    [InlineData("WorkflowId IN('order-123', 'order-456')")]
    [InlineData("WorkflowId STARTS_WITH 'order-'")]
    [InlineData("WorkflowType = 'OrderWorkflow' AND ExecutionStatus != 'Running' AND(StartTime > '2021-06-07T16:46:34-08:00' OR CloseTime > '2021-06-07T16:46:34-08:00')")]
    [InlineData("CloseTime between '2019-08-27T15:04:05+00:00' and '2019-08-28T15:04:05+00:00'")]
    [InlineData("CloseTime is null")]
    [InlineData("(WorkflowId = 'wid1' or (WorkflowType = 'type2' and WorkflowId = 'wid2'))")]
    [InlineData("CustomKeywordField in (\"keyword2\", \"keyword1\") and CustomIntField >= 5 and CloseTime between \"2018-06-07T16:16:36-08:00\" and \"2019-06-07T16:46:34-08:00\" order by CustomDatetimeField desc")]
    [InlineData("ExecutionStatus = 'Running' GROUP BY ExecutionStatus")]
    public void Documented_example_parses(string query) => VisibilityQuery.Parse(query, Registry());

    [Fact]
    public void Documented_example_filters_as_described()
    {
        var query = VisibilityQuery.Parse(
            "WorkflowType = \"OrderWorkflow\" and ExecutionStatus != \"Running\" and (StartTime > \"2021-08-22T07:30:00-08:00\" or CloseTime > \"2021-08-22T17:30:00Z\") order by StartTime desc",
            Registry());
        Assert.Equal(["b"], query.Apply(Runs).Select(r => r.RunId));
        Assert.Equal([new OrderByClause("StartTime", Descending: true)], query.OrderBy);
    }
}
