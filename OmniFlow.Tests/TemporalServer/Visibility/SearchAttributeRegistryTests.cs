using OmniFlow.TemporalServer.Visibility;
using Temporalio.Api.Enums.V1;

namespace OmniFlow.Tests.TemporalServer.Visibility;

public sealed class SearchAttributeRegistryTests
{
    [Theory]
    [InlineData("WorkflowId", IndexedValueType.Keyword)]
    [InlineData("RunId", IndexedValueType.Keyword)]
    [InlineData("WorkflowType", IndexedValueType.Keyword)]
    [InlineData("ExecutionStatus", IndexedValueType.Keyword)]
    [InlineData("TaskQueue", IndexedValueType.Keyword)]
    [InlineData("StartTime", IndexedValueType.Datetime)]
    [InlineData("CloseTime", IndexedValueType.Datetime)]
    [InlineData("ExecutionTime", IndexedValueType.Datetime)]
    [InlineData("ExecutionDuration", IndexedValueType.Int)]
    [InlineData("HistoryLength", IndexedValueType.Int)]
    [InlineData("BuildIds", IndexedValueType.KeywordList)]
    [InlineData("BinaryChecksums", IndexedValueType.KeywordList)]
    [InlineData("TemporalChangeVersion", IndexedValueType.KeywordList)]
    [InlineData("TemporalScheduledStartTime", IndexedValueType.Datetime)]
    [InlineData("TemporalSchedulePaused", IndexedValueType.Bool)]
    public void System_attributes_are_always_known(string name, IndexedValueType type)
    {
        var registry = new SearchAttributeRegistry();
        Assert.True(registry.TryGetType(name, out var actual));
        Assert.Equal(type, actual);
        Assert.Equal(type, registry.System[name]);
        Assert.Empty(registry.Custom);
    }

    [Fact]
    public void Added_attribute_is_known_and_listed_as_custom()
    {
        var registry = new SearchAttributeRegistry();

        Assert.True(registry.Add("OrderTotal", IndexedValueType.Double));

        Assert.True(registry.TryGetType("OrderTotal", out var type));
        Assert.Equal(IndexedValueType.Double, type);
        Assert.Equal(IndexedValueType.Double, registry.Custom["OrderTotal"]);
        Assert.False(registry.System.ContainsKey("OrderTotal"));
        Assert.False(registry.TryGetType("ordertotal", out _));
    }

    [Fact]
    public void Adding_again_with_the_same_type_is_a_no_op()
    {
        var registry = new SearchAttributeRegistry();
        registry.Add("OrderTotal", IndexedValueType.Double);

        Assert.False(registry.Add("OrderTotal", IndexedValueType.Double));
        Assert.Single(registry.Custom);
    }

    [Fact]
    public void Adding_with_another_type_conflicts()
    {
        var registry = new SearchAttributeRegistry();
        registry.Add("OrderTotal", IndexedValueType.Double);

        var error = Assert.Throws<SearchAttributeAlreadyExistsException>(() => registry.Add("OrderTotal", IndexedValueType.Int));

        Assert.Equal("search attribute OrderTotal already exists with type Double", error.Message);
        Assert.Equal(IndexedValueType.Double, registry.Custom["OrderTotal"]);
    }

    [Theory]
    [InlineData("WorkflowId", "search attribute WorkflowId is reserved by the system")]
    [InlineData("BuildIds", "search attribute BuildIds is reserved by the system")]
    [InlineData("NamespaceId", "search attribute NamespaceId is reserved by the system")]
    [InlineData("", "invalid search attribute name ''")]
    [InlineData(" Padded", "invalid search attribute name ' Padded'")]
    public void Reserved_and_invalid_names_are_rejected(string name, string message)
    {
        var registry = new SearchAttributeRegistry();
        var error = Assert.Throws<VisibilityQueryException>(() => registry.Add(name, IndexedValueType.Keyword));
        Assert.Equal(message, error.Message);
        Assert.Empty(registry.Custom);
    }

    [Fact]
    public void Unspecified_type_is_rejected() =>
        Assert.Throws<VisibilityQueryException>(() => new SearchAttributeRegistry().Add("A", IndexedValueType.Unspecified));

    [Fact]
    public void Adding_several_is_all_or_nothing()
    {
        var registry = new SearchAttributeRegistry();
        registry.Add("Existing", IndexedValueType.Bool);

        Assert.Throws<SearchAttributeAlreadyExistsException>(() => registry.Add(new Dictionary<string, IndexedValueType>
        {
            ["Fresh"] = IndexedValueType.Keyword,
            ["Existing"] = IndexedValueType.Int,
        }));
        Assert.Equal(["Existing"], registry.Custom.Keys);

        Assert.Equal(2, registry.Add(new Dictionary<string, IndexedValueType>
        {
            ["Fresh"] = IndexedValueType.Keyword,
            ["Existing"] = IndexedValueType.Bool,
            ["Other"] = IndexedValueType.KeywordList,
        }));
        Assert.Equal(["Existing", "Fresh", "Other"], registry.Custom.Keys.Order());
    }

    [Fact]
    public void Removed_attribute_is_no_longer_known()
    {
        var registry = new SearchAttributeRegistry();
        registry.Add("OrderTotal", IndexedValueType.Double);
        var parsedBefore = VisibilityQuery.Parse("OrderTotal > 1", registry);

        registry.Remove("OrderTotal");

        Assert.False(registry.TryGetType("OrderTotal", out _));
        Assert.Empty(registry.Custom);
        Assert.Contains("unknown search attribute OrderTotal",
            Assert.Throws<VisibilityQueryException>(() => VisibilityQuery.Parse("OrderTotal > 1", registry)).Message);
        Assert.True(parsedBefore.Matches(TestRun.Of("r", ("OrderTotal", 2.0))));
    }

    [Fact]
    public void Removing_an_unknown_attribute_is_not_found()
    {
        var error = Assert.Throws<SearchAttributeNotFoundException>(() => new SearchAttributeRegistry().Remove("Nope"));
        Assert.Equal("search attribute Nope doesn't exist", error.Message);
        Assert.Equal("Nope", error.Name);
    }

    [Theory]
    [InlineData("WorkflowId")]
    [InlineData("TemporalChangeVersion")]
    public void Removing_a_system_attribute_is_rejected(string name)
    {
        var registry = new SearchAttributeRegistry();
        var error = Assert.Throws<VisibilityQueryException>(() => registry.Remove(name));
        Assert.IsNotType<SearchAttributeNotFoundException>(error);
        Assert.Equal($"unable to remove non-custom search attribute {name}", error.Message);
        Assert.True(registry.TryGetType(name, out _));
    }

    [Fact]
    public void Removing_several_is_all_or_nothing()
    {
        var registry = new SearchAttributeRegistry(new Dictionary<string, IndexedValueType> { ["A"] = IndexedValueType.Int, ["B"] = IndexedValueType.Int });

        Assert.Throws<SearchAttributeNotFoundException>(() => registry.Remove(["A", "Nope"]));
        Assert.Equal(2, registry.Custom.Count);

        registry.Remove(["A", "B"]);
        Assert.Empty(registry.Custom);
    }

    [Fact]
    public void Custom_is_a_stable_snapshot()
    {
        var registry = new SearchAttributeRegistry();
        registry.Add("A", IndexedValueType.Int);
        var snapshot = registry.Custom;

        registry.Add("B", IndexedValueType.Int);
        registry.Remove("A");

        Assert.Equal(["A"], snapshot.Keys);
        Assert.Equal(["B"], registry.Custom.Keys);
    }

    [Fact]
    public async Task Concurrent_adds_and_reads_lose_nothing()
    {
        var registry = new SearchAttributeRegistry();
        var writers = Enumerable.Range(0, 8).Select(w => Task.Run(() =>
        {
            for (var i = 0; i < 100; i++)
            {
                registry.Add($"W{w}A{i}", IndexedValueType.Keyword);
                Assert.True(registry.TryGetType($"W{w}A{i}", out _));
                _ = registry.Custom.Count;
            }
        }, TestContext.Current.CancellationToken));

        await Task.WhenAll(writers);

        Assert.Equal(800, registry.Custom.Count);
    }
}
