using OmniFlow.AppHost.Hosting;

namespace OmniFlow.Tests.WholeSystem;

/// <summary>
/// The whole system started from OmniFlow.AppHost's own resource model for a test — Redis, the database, Temporal, the
/// Worker and the Api, each in its own process, on free ports and a throwaway data directory — and torn down after.
/// </summary>
public sealed class OmniFlowSystem : IAsyncDisposable
{
    private readonly string dataDirectory;

    private OmniFlowSystem(DistributedApplication application, string dataDirectory)
    {
        Application = application;
        this.dataDirectory = dataDirectory;
    }

    public DistributedApplication Application { get; }

    public static async Task<OmniFlowSystem> StartAsync(IEnumerable<string> settings, CancellationToken cancellationToken)
    {
        var dataDirectory = Directory.CreateTempSubdirectory("omniflow-system-").FullName;
        var application = DistributedApplicationTestingBuilder.Create(
        [
            $"--AppHost:DataDirectory={dataDirectory}",
            $"--AppHost:DashboardPort={RunContext.FreePort()}",
            $"--Api:Port={RunContext.FreePort()}",
            "--AppHost:ConsoleOutput=false",
            .. settings,
        ]);
        var system = new OmniFlowSystem(application, dataDirectory);
        try
        {
            await application.StartAsync(cancellationToken);
            var down = application.Resources.Where(runner => runner.State.Current is not (ResourceState.Healthy or ResourceState.Running)).ToList();
            if (down.Count > 0)
            {
                throw new InvalidOperationException("The system did not come up:" + Environment.NewLine + string.Join(Environment.NewLine,
                    down.Select(runner => $"{runner.Resource.Name}: {runner.State.Current}{Environment.NewLine}  " +
                        string.Join($"{Environment.NewLine}  ", runner.Log.Recent(25)))));
            }
        }
        catch
        {
            await system.DisposeAsync();
            throw;
        }

        return system;
    }

    /// <summary>An HttpClient for a project resource's HTTP endpoint (Aspire's <c>app.CreateHttpClient("api")</c>).</summary>
    public HttpClient CreateHttpClient(string resource) =>
        new() { BaseAddress = new Uri(Application[resource].Plan.Endpoint!), Timeout = TimeSpan.FromSeconds(30) };

    public HttpClient CreateDashboardClient() => new() { BaseAddress = Application.DashboardUri, Timeout = TimeSpan.FromSeconds(120) };

    public async ValueTask DisposeAsync()
    {
        await Application.DisposeAsync();
        Directory.Delete(dataDirectory, recursive: true);
    }
}
