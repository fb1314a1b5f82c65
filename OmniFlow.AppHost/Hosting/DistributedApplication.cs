using System.Runtime.InteropServices;
using OmniFlow.AppHost.Hosting.Dashboard;
using OmniFlow.AppHost.Hosting.Processes;
using OmniFlow.AppHost.Hosting.Publishing;
using OmniFlow.AppHost.Hosting.Resolution;

namespace OmniFlow.AppHost.Hosting;

/// <summary>
/// Runs the resources in dependency order, each once its dependencies are healthy, serves the dashboard, and stops
/// everything (dependents first) on Ctrl+C or SIGTERM. In publish mode it writes deployment manifests instead.
/// </summary>
public sealed class DistributedApplication : IAsyncDisposable
{
    /// <summary>Lets a test harness take the application Program.cs built instead of running it (Aspire.Hosting.Testing's trick).</summary>
    internal static readonly AsyncLocal<Action<DistributedApplication>?> Interceptor = new();

    private readonly DistributedApplicationBuilder builder;
    private readonly ConsoleSink console;
    private readonly ResourceLog log;
    private readonly CancellationTokenSource stopping = new();
    private List<ResourceRunner> runners = [];
    private ProcessGroupRegistry? registry;
    private DashboardHost? dashboard;

    internal DistributedApplication(DistributedApplicationBuilder builder)
    {
        this.builder = builder;
        console = new ConsoleSink(builder.Configuration.GetValue("AppHost:ConsoleOutput", true));
        log = new ResourceLog("apphost", 0, console);
    }

    public static DistributedApplicationBuilder CreateBuilder(string[] args) => new(args);

    public IReadOnlyList<ResourceRunner> Resources => runners;

    /// <summary>The AppHost's own output: the choice made for each resource, startup and shutdown.</summary>
    public ResourceLog Log => log;

    /// <summary>The resource model and configuration Program.cs built, before anything is planned or started.</summary>
    internal DistributedApplicationBuilder Builder => builder;

    public ResourceRunner this[string name] => runners.Single(runner => runner.Resource.Name == name);

    public Uri DashboardUri => new($"http://127.0.0.1:{DashboardPort}");

    private int DashboardPort => builder.Configuration.GetValue("AppHost:DashboardPort", 18888);

    public void Run()
    {
        if (Interceptor.Value is { } intercept)
        {
            intercept(this);
            return;
        }

        RunAsync().GetAwaiter().GetResult();
    }

    public async Task RunAsync()
    {
        if (builder.IsPublishMode)
        {
            var output = Path.GetFullPath(builder.Configuration["output"] ?? "publish");
            ManifestPublisher.WriteAll(builder.Resources, builder.Configuration, output);
            log.Write($"wrote docker-compose.yaml, k8s/ and manifest.json to {output}");
            return;
        }

        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnShutdownSignal);
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnShutdownSignal);
        try
        {
            await StartAsync(stopping.Token);
            await Task.Delay(Timeout.Infinite, stopping.Token).ContinueWith(_ => { }, TaskScheduler.Default);
        }
        finally
        {
            await DisposeAsync();
        }
    }

    /// <summary>Plans every resource, starts the dashboard, and starts the resources; returns once each is healthy or has failed.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        var useLocalBinaries = builder.Configuration.GetValue("AppHost:UseLocalBinaries", true);
        log.Write(useLocalBinaries
            ? "local binaries: used when found on PATH (AppHost:UseLocalBinaries=false for the embedded defaults)"
            : "local binaries: not used (AppHost:UseLocalBinaries=false): each service is external or embedded");
        var context = new RunContext(builder.Configuration, useLocalBinaries ? BinaryLocator.FromEnvironment() : BinaryLocator.None);
        registry = new ProcessGroupRegistry(context.DataDirectory);
        registry.StartWatchdog();
        var startupTimeout = builder.Configuration.GetValue("AppHost:StartupTimeout", TimeSpan.FromMinutes(2));
        var ordered = DependencyOrder(builder.Resources);
        runners = [.. ordered.Select((resource, index) =>
        {
            var plan = resource.Plan(context);
            log.Write($"{resource.Name}: {ResourcePlan.DisplayMode(plan.Mode)} — {plan.Description}");
            return new ResourceRunner(resource, plan, new ResourceLog(resource.Name, index + 1, console), registry, startupTimeout);
        })];

        dashboard = await DashboardHost.StartAsync(this, DashboardPort);
        log.Write($"dashboard: {DashboardUri}");

        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, stopping.Token);
        await Task.WhenAll(runners.Select(runner => runner.RunAfterAsync(
            [.. runner.Resource.Dependencies.Select(dependency => this[dependency.Name])], linked.Token)));

        var failed = runners.Where(runner => runner.State.Current is not (ResourceState.Healthy or ResourceState.Running)).ToList();
        log.Write(failed.Count == 0
            ? $"all {runners.Count} resources are up; dashboard {DashboardUri}"
            : $"not running: {string.Join(", ", failed.Select(runner => $"{runner.Resource.Name} ({runner.State.Current})"))}; see {DashboardUri}");
    }

    /// <summary>Stops dependents before what they depend on; each layer in parallel.</summary>
    public async Task StopAsync()
    {
        stopping.Cancel();
        foreach (var layer in runners.GroupBy(runner => Depth(runner.Resource)).OrderByDescending(group => group.Key))
        {
            await Task.WhenAll(layer.Select(runner => runner.StopAsync()));
        }
    }

    public async Task RestartAsync(string name) => await this[name].RestartAsync(stopping.Token);

    public async Task StartResourceAsync(string name) => await this[name].StartAsync(stopping.Token);

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        if (dashboard is not null)
        {
            await dashboard.DisposeAsync();
            dashboard = null;
        }

        registry?.Dispose();
        registry = null;
        log.Write("stopped");
    }

    private void OnShutdownSignal(PosixSignalContext context)
    {
        context.Cancel = true;
        if (stopping.IsCancellationRequested)
        {
            // A second Ctrl+C: no more patience.
            foreach (var group in registry?.Groups ?? [])
            {
                Signals.SendToGroup(group, Signals.SigKill);
            }

            return;
        }

        log.Write($"{context.Signal}: stopping every resource");
        stopping.Cancel();
    }

    private static int Depth(Resource resource) =>
        resource.Dependencies.Select(dependency => Depth(dependency) + 1).DefaultIfEmpty(0).Max();

    internal static List<Resource> DependencyOrder(IReadOnlyList<Resource> resources)
    {
        var ordered = new List<Resource>();
        var visiting = new HashSet<Resource>();
        void Visit(Resource resource)
        {
            if (ordered.Contains(resource))
            {
                return;
            }

            if (!visiting.Add(resource))
            {
                throw new InvalidOperationException($"Resource '{resource.Name}' depends on itself through its references.");
            }

            foreach (var dependency in resource.Dependencies)
            {
                Visit(dependency);
            }

            ordered.Add(resource);
        }

        foreach (var resource in resources)
        {
            Visit(resource);
        }

        return ordered;
    }
}
