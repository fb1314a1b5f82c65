using OmniFlow.TemporalServer.Visibility;
using static OmniFlow.Tests.TemporalServer.Visibility.TestAttributes;

namespace OmniFlow.Tests.TemporalServer.Visibility;

public sealed class VisibilityQueryOrderingTests
{
    private static string Sorted(string query) =>
        string.Join(",", VisibilityQuery.Parse(query, Registry()).Sort(Runs).Select(r => r.RunId));

    [Fact]
    public void Default_order_lists_open_runs_first_then_by_close_time_descending()
    {
        var runs = new[]
        {
            TestRun.Of("closed-early", ("StartTime", T0), ("CloseTime", T0.AddHours(1))),
            TestRun.Of("open-old", ("StartTime", T0)),
            TestRun.Of("closed-late", ("StartTime", T0), ("CloseTime", T0.AddHours(5))),
            TestRun.Of("open-new", ("StartTime", T0.AddHours(2))),
            TestRun.Of("closed-late-2", ("StartTime", T0.AddMinutes(1)), ("CloseTime", T0.AddHours(5))),
        };
        var sorted = VisibilityQuery.Parse(null, Registry()).Sort(runs).Select(r => r.RunId);
        Assert.Equal(["open-new", "open-old", "closed-late-2", "closed-late", "closed-early"], sorted);
    }

    [Fact]
    public void Run_id_breaks_ties()
    {
        var runs = new[] { TestRun.Of("r2", ("StartTime", T0)), TestRun.Of("r1", ("StartTime", T0)), TestRun.Of("r3", ("StartTime", T0)) };
        Assert.Equal(["r1", "r2", "r3"], VisibilityQuery.Parse("", Registry()).Sort(runs).Select(r => r.RunId));
    }

    [Theory]
    [InlineData("ORDER BY StartTime", "a,b,c")]
    [InlineData("order by StartTime asc", "a,b,c")]
    [InlineData("ORDER BY StartTime DESC", "c,b,a")]
    [InlineData("ORDER BY CustomIntField DESC", "b,a,c")]
    [InlineData("ORDER BY CustomIntField", "a,b,c")]
    [InlineData("ORDER BY CloseTime DESC", "c,b,a")]
    [InlineData("ORDER BY WorkflowType DESC, StartTime DESC", "c,b,a")]
    [InlineData("ORDER BY WorkflowType ASC, StartTime DESC", "b,a,c")]
    [InlineData("ORDER BY TaskQueue, CustomDoubleField DESC", "b,a,c")]
    [InlineData("ORDER BY CustomBoolField", "b,a,c")]
    public void Order_by_sorts_by_each_key_with_absent_values_last(string query, string expected) =>
        Assert.Equal(expected, Sorted(query));

    [Fact]
    public void Order_by_clauses_are_exposed()
    {
        var query = VisibilityQuery.Parse("WorkflowType = 'x' ORDER BY StartTime DESC, `My Attr`, CloseTime asc", Registry());
        Assert.Equal(
            [new OrderByClause("StartTime", true), new OrderByClause("My Attr", false), new OrderByClause("CloseTime", false)],
            query.OrderBy);
        Assert.Null(query.GroupBy);
    }

    [Fact]
    public void Apply_filters_then_sorts()
    {
        var query = VisibilityQuery.Parse("WorkflowType = 'OrderWorkflow' ORDER BY StartTime DESC", Registry());
        Assert.Equal(["b", "a"], query.Apply(Runs).Select(r => r.RunId));
    }

    [Fact]
    public void Count_without_group_by_counts_matches()
    {
        var count = VisibilityQuery.Parse("WorkflowType = 'OrderWorkflow'", Registry()).Count(Runs);
        Assert.Equal(2, count.Total);
        Assert.Empty(count.Groups);
    }

    [Fact]
    public void Group_by_execution_status_counts_each_status_largest_first()
    {
        var runs = Runs.Concat([
            TestRun.Of("d", ("ExecutionStatus", "Completed"), ("WorkflowType", "OrderWorkflow")),
            TestRun.Of("e", ("ExecutionStatus", "Completed"), ("WorkflowType", "OrderWorkflow")),
            TestRun.Of("f", ("ExecutionStatus", "Running"), ("WorkflowType", "ShipmentWorkflow")),
        ]);
        var query = VisibilityQuery.Parse("WorkflowType = 'OrderWorkflow' OR ExecutionStatus = 'Running' group by ExecutionStatus", Registry());

        var count = query.Count(runs);

        Assert.Equal("ExecutionStatus", query.GroupBy);
        Assert.Equal(5, count.Total);
        Assert.Equal(["Completed:3", "Running:2"], count.Groups.Select(g => $"{g.Values.Single()}:{g.Count}"));
    }

    [Fact]
    public void Group_by_alone_counts_everything()
    {
        var count = VisibilityQuery.Parse("GROUP BY ExecutionStatus", Registry()).Count(Runs);
        Assert.Equal(3, count.Total);
        Assert.Equal(["Completed:1", "Failed:1", "Running:1"], count.Groups.Select(g => $"{g.Values.Single()}:{g.Count}"));
    }
}
