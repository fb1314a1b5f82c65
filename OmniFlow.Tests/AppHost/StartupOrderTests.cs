using OmniFlow.AppHost.Hosting;
using OmniFlow.AppHost.Hosting.Health;
using OmniFlow.AppHost.Hosting.Resources;

namespace OmniFlow.Tests.AppHost;

/// <summary><c>WaitFor</c> means "after it is healthy", not "after it in the list": timed from each resource's state history.</summary>
public sealed class StartupOrderTests : IAsyncLifetime
{
    private static readonly TimeSpan SlowHealth = TimeSpan.FromSeconds(1.5);

    private readonly string dataDirectory = Directory.CreateTempSubdirectory("omniflow-order-").FullName;
    private DistributedApplication? app;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        if (app is not null)
        {
            await app.DisposeAsync();
        }

        Directory.Delete(dataDirectory, recursive: true);
    }

    [Fact]
    public async Task A_resource_starts_only_once_what_it_waits_for_is_healthy_and_others_do_not_wait()
    {
        var builder = Builder();
        var slow = builder.AddExecutable("slow", "sleep", dataDirectory, "300").WithHealthCheck(new HealthyAfter(SlowHealth));
        builder.AddExecutable("dependent", "sleep", dataDirectory, "301").WaitFor(slow);
        builder.AddExecutable("independent", "sleep", dataDirectory, "302");
        app = builder.Build();

        await app.StartAsync(TestContext.Current.CancellationToken);

        Assert.All(app.Resources, runner => Assert.Equal(ResourceState.Healthy, runner.State.Current));
        var slowStarted = At(app["slow"], ResourceState.Starting);
        var slowHealthy = At(app["slow"], ResourceState.Healthy);
        Assert.True(slowHealthy - slowStarted >= SlowHealth - TimeSpan.FromMilliseconds(50), $"slow was healthy after {slowHealthy - slowStarted}");
        Assert.Equal([ResourceState.Waiting, ResourceState.Starting], app["dependent"].State.History.Select(change => change.State).Take(2));
        Assert.True(At(app["dependent"], ResourceState.Starting) >= slowHealthy, "dependent started before slow was healthy");
        // Listed after dependent, but nothing to wait for: it ran while slow was still becoming healthy.
        Assert.True(At(app["independent"], ResourceState.Healthy) < slowHealthy, "independent waited for slow");
    }

    [Fact]
    public async Task A_resource_whose_dependency_exits_before_it_is_healthy_is_never_started()
    {
        var builder = Builder();
        var broken = builder.AddExecutable("broken", "sh", dataDirectory, "-c", "sleep 0.2; exit 3").WithHealthCheck(new HealthyAfter(TimeSpan.FromHours(1)));
        builder.AddExecutable("dependent", "sleep", dataDirectory, "300").WaitFor(broken);
        app = builder.Build();

        await app.StartAsync(TestContext.Current.CancellationToken);

        Assert.Equal(ResourceState.Exited, app["broken"].State.Current);
        Assert.Equal(3, app["broken"].ExitCode);
        Assert.Equal([ResourceState.Waiting, ResourceState.Failed], app["dependent"].State.History.Select(change => change.State));
        Assert.Null(app["dependent"].Pid);
    }

    private DistributedApplicationBuilder Builder() => DistributedApplication.CreateBuilder(
        [$"--AppHost:DataDirectory={dataDirectory}", $"--AppHost:DashboardPort={RunContext.FreePort()}", "--AppHost:ConsoleOutput=false"]);

    private static DateTimeOffset At(ResourceRunner runner, ResourceState state) =>
        runner.State.History.First(change => change.State == state).At;

    /// <summary>Unhealthy until <paramref name="delay"/> after it is first asked.</summary>
    private sealed class HealthyAfter(TimeSpan delay) : IHealthCheck
    {
        private DateTimeOffset? firstAsked;

        public Task<bool> IsHealthyAsync(CancellationToken cancellationToken)
        {
            firstAsked ??= DateTimeOffset.UtcNow;
            return Task.FromResult(DateTimeOffset.UtcNow - firstAsked >= delay);
        }
    }
}
