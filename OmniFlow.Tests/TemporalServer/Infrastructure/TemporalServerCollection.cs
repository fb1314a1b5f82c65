namespace OmniFlow.Tests.TemporalServer.Infrastructure;

/// <summary>
/// One launched server per mode for all Temporal server tests: launching .NET processes is the slow part on a busy
/// machine, and each test isolates itself with its own task queue and workflow ids.
/// </summary>
[CollectionDefinition(Name)]
public sealed class TemporalServerCollection : ICollectionFixture<TimeSkippingServerFixture>, ICollectionFixture<LocalServerFixture>
{
    public const string Name = "TemporalServer";
}
