namespace OmniFlow.TemporalServer.Persistence;

/// <summary>The in-memory server (no --db-filename), as the real dev server without a file: nothing is kept.</summary>
public sealed class NoStateStore : IStateStore
{
    public static readonly NoStateStore Instance = new();

    private NoStateStore()
    {
    }

    public bool Durable => false;

    public void Changed(IStored item)
    {
    }

    public Task Committed() => Task.CompletedTask;
}
