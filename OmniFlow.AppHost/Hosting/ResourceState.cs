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

    public ResourceState Current { get; private set; } = ResourceState.NotStarted;

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
        }

        Changed?.Invoke(next);
        return true;
    }
}
