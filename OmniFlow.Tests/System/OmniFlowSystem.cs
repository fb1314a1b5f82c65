using System.Text;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OmniFlow.AppHost.Local;

namespace OmniFlow.Tests.WholeSystem;

/// <summary>
/// The real OmniFlow.AppHost built by Aspire.Hosting.Testing and run under DCP, on a free Api port and a throwaway data
/// directory, until the Api is healthy; torn down (every resource stopped) after.
/// </summary>
public sealed class OmniFlowSystem : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(3);

    private readonly string dataDirectory;
    private readonly bool ownsDataDirectory;

    private OmniFlowSystem(DistributedApplication application, string dataDirectory, bool ownsDataDirectory)
    {
        Application = application;
        this.dataDirectory = dataDirectory;
        this.ownsDataDirectory = ownsDataDirectory;
    }

    public DistributedApplication Application { get; }

    public DistributedApplicationModel Model => Application.Services.GetRequiredService<DistributedApplicationModel>();

    public string DataDirectory => dataDirectory;

    /// <summary>The key of the dashboard's telemetry API, when the system runs with its dashboard.</summary>
    public const string DashboardApiKey = "omniflow-test-key";

    /// <summary>The dashboard's address, as its resource (<c>aspire-dashboard</c>) reports it.</summary>
    public Uri DashboardUri
    {
        get
        {
            var urls = CurrentState("aspire-dashboard").Snapshot.Urls;
            // "http" is the frontend's login link (http://host:port/login?t=...); "otlp-grpc" is where telemetry goes in.
            var frontend = urls.FirstOrDefault(url => url.Name == "http")
                ?? throw new InvalidOperationException("dashboard urls: " + string.Join(", ", urls.Select(url => $"{url.Name}={url.Url}")));
            return new Uri(new Uri(frontend.Url).GetLeftPart(UriPartial.Authority));
        }
    }

    /// <param name="withDashboard">Run the Aspire dashboard too, its telemetry API keyed with <see cref="DashboardApiKey"/>.</param>
    /// <param name="dataDirectory">A data directory the caller keeps (a restart on it); else a throwaway one.</param>
    public static async Task<OmniFlowSystem> StartAsync(
        IEnumerable<string> settings, CancellationToken cancellationToken, bool withDashboard = false, string? dataDirectory = null)
    {
        var ownsDataDirectory = dataDirectory is null;
        dataDirectory ??= Directory.CreateTempSubdirectory("omniflow-system-").FullName;
        // Aspire.Hosting.Testing puts the dashboard on free ports; its telemetry API answers to this key.
        string[] dashboardSettings = withDashboard ? [$"--AppHost:DashboardApiKey={DashboardApiKey}"] : [];
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.OmniFlow_AppHost>(
        [
            $"--AppHost:DataDirectory={dataDirectory}",
            "--AppHost:PreferWellKnownPorts=false",
            $"--Api:Port={LocalMachine.FreePort()}",
            .. dashboardSettings,
            .. settings,
        ], (options, _) => options.DisableDashboard = !withDashboard, cancellationToken);
        // Health checks fail while resources start; that is expected and not worth a stack trace per probe.
        builder.Services.AddLogging(logging => logging
            .SetMinimumLevel(LogLevel.Warning)
            .AddFilter("Microsoft.Extensions.Diagnostics.HealthChecks", LogLevel.None));
        var application = await builder.BuildAsync(cancellationToken);
        var system = new OmniFlowSystem(application, dataDirectory, ownsDataDirectory);
        try
        {
            await application.StartAsync(cancellationToken);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(StartTimeout);
            try
            {
                await application.ResourceNotifications.WaitForResourceHealthyAsync("api", timeout.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new InvalidOperationException($"The system was not healthy after {StartTimeout}:{Environment.NewLine}{system.DescribeResources()}");
            }
        }
        catch
        {
            await system.DisposeAsync();
            throw;
        }

        return system;
    }

    /// <summary>An HttpClient for a project's HTTP endpoint (Aspire.Hosting.Testing's <c>CreateHttpClient</c>).</summary>
    public HttpClient CreateHttpClient(string resource)
    {
        var client = Application.CreateHttpClient(resource);
        client.Timeout = TimeSpan.FromSeconds(30);
        return client;
    }

    public T Resource<T>(string name) where T : IResource => Model.Resources.OfType<T>().Single(resource => resource.Name == name);

    public ServiceModeAnnotation? ModeOf(string name) =>
        Model.Resources.SingleOrDefault(resource => resource.Name == name)?.Annotations.OfType<ServiceModeAnnotation>().SingleOrDefault();

    public ResourceEvent CurrentState(string name) =>
        Application.ResourceNotifications.TryGetCurrentState(name, out var state) ? state : throw new InvalidOperationException($"no state for {name}");

    /// <summary>The process id DCP reports for a resource (the dashboard's "pid").</summary>
    public int? ProcessId(string name) =>
        CurrentState(name).Snapshot.Properties.FirstOrDefault(property => property.Name == "executable.pid")?.Value is { } pid
            ? Convert.ToInt32(pid, System.Globalization.CultureInfo.InvariantCulture)
            : null;

    /// <summary>
    /// The pid of a project's own process: DCP starts projects through <c>dotnet run</c>, whose one child is the application.
    /// </summary>
    public int ApplicationProcessId(string name)
    {
        var launcher = ProcessId(name) ?? throw new InvalidOperationException($"{name} has no process");
        var children = File.ReadAllText($"/proc/{launcher}/task/{launcher}/children").Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return children.Length == 1 ? int.Parse(children[0], System.Globalization.CultureInfo.InvariantCulture) : launcher;
    }

    /// <summary>The DCP names of a resource's replicas (what resource commands and states are keyed by), once all have a process.</summary>
    public async Task<IReadOnlyList<string>> ReplicasOfAsync(string name, int count, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        var replicas = new SortedSet<string>(StringComparer.Ordinal);
        await foreach (var update in Application.ResourceNotifications.WatchAsync(timeout.Token))
        {
            if (update.Resource.Name == name && ProcessId(update.ResourceId) is not null)
            {
                replicas.Add(update.ResourceId);
                if (replicas.Count == count)
                {
                    break;
                }
            }
        }

        return [.. replicas];
    }

    /// <summary>Every resource's state and health, for a failure message.</summary>
    public string DescribeResources()
    {
        var text = new StringBuilder();
        foreach (var resource in Model.Resources)
        {
            if (Application.ResourceNotifications.TryGetCurrentState(resource.Name, out var state))
            {
                var health = string.Join(", ", state.Snapshot.HealthReports.Select(report => $"{report.Name}={report.Status?.ToString() ?? "?"} {report.Description ?? report.ExceptionText}"));
                text.AppendLine($"  {resource.Name}: {state.Snapshot.State?.Text ?? "(no state)"} exit={state.Snapshot.ExitCode} health=[{health}]");
            }
            else
            {
                text.AppendLine($"  {resource.Name}: (no state)");
            }
        }

        return text.ToString();
    }

    public async ValueTask DisposeAsync()
    {
        await Application.StopAsync();
        await Application.DisposeAsync();
        if (!ownsDataDirectory)
        {
            return;
        }

        try
        {
            Directory.Delete(dataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A server that just exited may still be closing a file; the temp folder is swept later.
        }
    }
}
