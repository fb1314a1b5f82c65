using OmniFlow.Tests.TemporalServer.Infrastructure;
using OmniFlow.Tests.WholeSystem;
using Xunit.Sdk;
using Xunit.v3;

[assembly: TestCollectionOrderer(typeof(OmniFlow.Tests.LongestCollectionsFirst))]

namespace OmniFlow.Tests;

/// <summary>
/// The collections that run for minutes, one test after another (whole systems, then the Temporal server's), start first,
/// so the short collections fill the other threads beside them instead of leaving them to run alone at the end.
/// </summary>
public sealed class LongestCollectionsFirst : ITestCollectionOrderer
{
    private static readonly string[] Longest = [WholeSystemCollection.Name, TemporalServerCollection.Name];

    public IReadOnlyCollection<TTestCollection> OrderTestCollections<TTestCollection>(IReadOnlyCollection<TTestCollection> testCollections)
        where TTestCollection : notnull, ITestCollection =>
        [.. testCollections.OrderBy(collection => Rank(collection)).ThenBy(collection => collection.UniqueID, StringComparer.Ordinal)];

    private static int Rank(ITestCollection collection) =>
        Array.IndexOf(Longest, collection.TestCollectionDisplayName) is var rank and >= 0 ? rank : Longest.Length;
}
