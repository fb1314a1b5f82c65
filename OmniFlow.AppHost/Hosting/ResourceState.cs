namespace OmniFlow.AppHost.Hosting;

public enum ResourceState
{
    NotStarted,
    Waiting,
    Starting,
    Running,
    Healthy,
    Stopping,
    Stopped,
    Exited,
    Failed,
}

/// <summary>A move of a resource's state, and when it happened.</summary>
public readonly record struct ResourceStateChange(ResourceState State, DateTimeOffset At);

/// <summary>The allowed moves between <see cref="ResourceState"/>s; anything else is ignored (e.g. an exit seen after a stop).</summary>
public sealed class ResourceStateMachine
{
    private static readonly Dictionary<ResourceState, ResourceState[]> Allowed = new()
    {
        [ResourceState.NotStarted] = [ResourceState.Waiting, ResourceState.Starting, ResourceState.Failed, ResourceState.Stopped],
        [ResourceState.Waiting] = [ResourceState.Starting, ResourceState.Failed, ResourceState.Stopped],
        [ResourceState.Starting] = [ResourceState.Running, ResourceState.Healthy, ResourceState.Exited, ResourceState.Failed, ResourceState.Stopping],
        [ResourceState.Running] = [ResourceState.Healthy, ResourceState.Exited, ResourceState.Failed, ResourceState.Stopping],
        [ResourceState.Healthy] = [ResourceState.Running, ResourceState.Exited, ResourceState.Stopping],
        [ResourceState.Stopping] = [ResourceState.Stopped],
        [ResourceState.Stopped] = [ResourceState.Starting],
        [ResourceState.Exited] = [ResourceState.Starting, ResourceState.Stopping, ResourceState.Stopped],
        [ResourceState.Failed] = [ResourceState.Starting, ResourceState.Stopping, ResourceState.Stopped],
    };

    private readonly Lock gate = new();
    private readonly List<ResourceStateChange> history = [];

    public ResourceState Current { get; private set; } = ResourceState.NotStarted;

    /// <summary>Every move so far, oldest first: when the resource started, became healthy, exited.</summary>
    public IReadOnlyList<ResourceStateChange> History
    {
        get
        {
            lock (gate)
            {
                return [.. history];
            }
        }
    }

    public bool IsActive => Current is ResourceState.Starting or ResourceState.Running or ResourceState.Healthy;

    public event Action<ResourceState>? Changed;

    public bool TryMove(ResourceState next)
    {
        lock (gate)
        {
            if (!Allowed[Current].Contains(next))
            {
                return false;
            }

            Current = next;
            history.Add(new ResourceStateChange(next, DateTimeOffset.UtcNow));
        }

        Changed?.Invoke(next);
        return true;
    }
}
