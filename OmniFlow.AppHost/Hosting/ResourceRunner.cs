using OmniFlow.AppHost.Hosting.Processes;

namespace OmniFlow.AppHost.Hosting;

/// <summary>What the dashboard shows of one resource.</summary>
public sealed record ResourceSnapshot(
    string Name, string Kind, string Mode, string State, string Health, string? Endpoint, int? Pid, int? ExitCode,
    string Description, IReadOnlyList<string> Logs);

/// <summary>Runs one resource: waits for its dependencies, starts its process, watches its health and its exit.</summary>
public sealed class ResourceRunner(Resource resource, ResourcePlan plan, ResourceLog log, ProcessGroupRegistry? registry, TimeSpan startupTimeout)
{
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan HealthProbeInterval = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan HealthMonitorInterval = TimeSpan.FromSeconds(5);

    private readonly SemaphoreSlim operation = new(1, 1);
    private TaskCompletionSource healthy = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ManagedProcess? process;
    private CancellationTokenSource? monitoring;
    private bool? lastHealth;

    public Resource Resource { get; } = resource;

    public ResourcePlan Plan { get; } = plan;

    public ResourceLog Log { get; } = log;

    public ResourceStateMachine State { get; } = new();

    /// <summary>Completes the first time the resource is healthy; faults when it fails before that.</summary>
    public Task WhenHealthy => healthy.Task;

    public int? Pid => process is { HasExited: false } running ? running.Pid : null;

    public int? ExitCode { get; private set; }

    public ResourceSnapshot Snapshot(int logLines) => new(
        Resource.Name, Resource.Kind, ResourcePlan.DisplayMode(Plan.Mode), State.Current.ToString(), Health, Plan.Endpoint,
        Pid, ExitCode, Plan.Description, Log.Recent(logLines));

    private string Health => !State.IsActive ? "Unknown"
        : Plan.HealthCheck is null ? "n/a"
        : lastHealth switch { true => "Healthy", false => "Unhealthy", null => "Unknown" };

    public async Task RunAfterAsync(IReadOnlyList<ResourceRunner> dependencies, CancellationToken cancellationToken)
    {
        if (dependencies.Count > 0)
        {
            State.TryMove(ResourceState.Waiting);
            Log.Write($"waiting for {string.Join(", ", dependencies.Select(dependency => dependency.Resource.Name))}");
            try
            {
                await Task.WhenAll(dependencies.Select(dependency => dependency.WhenHealthy)).WaitAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception exception)
            {
                Fail($"not started: a dependency failed ({exception.Message})");
                return;
            }
        }

        await StartAsync(cancellationToken);
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await operation.WaitAsync(cancellationToken);
        try
        {
            if (State.IsActive)
            {
                return;
            }

            if (healthy.Task.IsFaulted)
            {
                healthy = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }

            State.TryMove(ResourceState.Starting);
            ExitCode = null;
            lastHealth = null;
            if (Plan.Setup is not null)
            {
                await Plan.Setup(Log.Write, cancellationToken);
            }

            if (Plan.Process is not null)
            {
                var started = ManagedProcess.Start(Plan.Process, Log.Write, registry);
                process = started;
                Log.Write($"started pid {started.Pid}: {Plan.Process}");
                _ = WatchExitAsync(started);
            }

            State.TryMove(ResourceState.Running);
            if (await WaitUntilHealthyAsync(cancellationToken))
            {
                lastHealth = Plan.HealthCheck is null ? null : true;
                State.TryMove(ResourceState.Healthy);
                Log.Write(Plan.HealthCheck is null ? "running" : "healthy");
                healthy.TrySetResult();
                monitoring = new CancellationTokenSource();
                _ = MonitorHealthAsync(monitoring.Token);
            }
            else if (process is { HasExited: false } unhealthy)
            {
                Fail($"not healthy after {startupTimeout.TotalSeconds:0} s");
                await unhealthy.StopAsync(StopGrace);
            }
            else
            {
                healthy.TrySetException(new InvalidOperationException($"{Resource.Name} exited while starting"));
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Shutting down while starting: StopAsync takes it from here.
        }
        catch (Exception exception)
        {
            Fail(exception.Message);
        }
        finally
        {
            operation.Release();
        }
    }

    public async Task StopAsync()
    {
        await operation.WaitAsync();
        try
        {
            monitoring?.Cancel();
            if (State.Current is ResourceState.NotStarted or ResourceState.Waiting or ResourceState.Stopped)
            {
                State.TryMove(ResourceState.Stopped);
                return;
            }

            State.TryMove(ResourceState.Stopping);
            if (process is { } running)
            {
                Log.Write($"stopping pid {running.Pid}");
                await running.StopAsync(StopGrace);
            }

            State.TryMove(ResourceState.Stopped);
        }
        finally
        {
            operation.Release();
        }
    }

    public async Task RestartAsync(CancellationToken cancellationToken)
    {
        await StopAsync();
        await StartAsync(cancellationToken);
    }

    private async Task<bool> WaitUntilHealthyAsync(CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + startupTimeout;
        while (DateTime.UtcNow < deadline)
        {
            if (process is { HasExited: true })
            {
                return false;
            }

            if (Plan.HealthCheck is null || await Plan.HealthCheck.IsHealthyAsync(cancellationToken))
            {
                return true;
            }

            await Task.Delay(HealthProbeInterval, cancellationToken);
        }

        return false;
    }

    private async Task MonitorHealthAsync(CancellationToken cancellationToken)
    {
        if (Plan.HealthCheck is not { } check)
        {
            return;
        }

        try
        {
            while (true)
            {
                await Task.Delay(HealthMonitorInterval, cancellationToken);
                lastHealth = await check.IsHealthyAsync(cancellationToken);
                State.TryMove(lastHealth.Value ? ResourceState.Healthy : ResourceState.Running);
            }
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }
    }

    private async Task WatchExitAsync(ManagedProcess watched)
    {
        var exitCode = await watched.Exited;
        if (!ReferenceEquals(watched, process) || State.Current is ResourceState.Stopping or ResourceState.Stopped or ResourceState.Failed)
        {
            return;
        }

        ExitCode = exitCode;
        monitoring?.Cancel();
        if (State.TryMove(ResourceState.Exited))
        {
            Log.Write($"exited with code {exitCode}");
        }

        healthy.TrySetException(new InvalidOperationException($"{Resource.Name} exited with code {exitCode}"));
    }

    private void Fail(string reason)
    {
        State.TryMove(ResourceState.Failed);
        Log.Write($"failed: {reason}");
        healthy.TrySetException(new InvalidOperationException($"{Resource.Name} failed: {reason}"));
    }
}
