using System.Net.Http.Json;
using System.Text.Json;
using OmniFlow.AppHost.Hosting;
using OmniFlow.AppHost.Hosting.Processes;
using OmniFlow.Tests.AppHost;

namespace OmniFlow.Tests.WholeSystem;

/// <summary>
/// The AppHost as a user runs it, in its own process: Ctrl+C (SIGINT to its process group), SIGTERM, or SIGKILL of the
/// AppHost alone leave no process of the system behind.
/// </summary>
[Collection(WholeSystemCollection.Name)]
public sealed class ShutdownTests : IDisposable
{
    private readonly string dataDirectory = Directory.CreateTempSubdirectory("omniflow-shutdown-").FullName;
    private readonly int dashboardPort = RunContext.FreePort();
    private readonly List<string> output = [];

    public void Dispose()
    {
        foreach (var pid in ProcessProbe.WithCommandLineContaining(dataDirectory))
        {
            Signals.Send(pid, Signals.SigKill);
        }

        Directory.Delete(dataDirectory, recursive: true);
    }

    [Fact]
    public Task Ctrl_C_to_the_process_group_stops_everything() =>
        StopsEverythingAsync(appHost => Signals.SendToGroup(appHost.Pid, 2), within: TimeSpan.FromSeconds(20));

    [Fact]
    public Task SIGTERM_stops_everything() =>
        StopsEverythingAsync(appHost => Signals.Send(appHost.Pid, Signals.SigTerm), within: TimeSpan.FromSeconds(20));

    [Fact]
    public Task SIGKILL_of_the_apphost_alone_leaves_its_watchdog_to_stop_everything() =>
        StopsEverythingAsync(appHost => Signals.Send(appHost.Pid, Signals.SigKill), within: TimeSpan.FromSeconds(15));

    private async Task StopsEverythingAsync(Action<ManagedProcess> signal, TimeSpan within)
    {
        var appHost = StartAppHost();
        List<int> pids;
        try
        {
            pids = await WaitUntilEverythingIsUpAsync(appHost);
        }
        catch
        {
            await appHost.StopAsync(TimeSpan.FromSeconds(10));
            throw;
        }

        signal(appHost);

        await ProcessProbe.WaitUntilAsync(
            () => appHost.HasExited && pids.All(pid => !ProcessProbe.IsAlive(pid)) && ProcessProbe.WithCommandLineContaining(dataDirectory).Count == 0,
            within, "the AppHost and every process it started are gone");
    }

    private ManagedProcess StartAppHost()
    {
        var appHostDll = typeof(DistributedApplication).Assembly.Location;
        var spec = new ProcessSpec("dotnet",
        [
            appHostDll, $"--AppHost:DataDirectory={dataDirectory}", $"--AppHost:DashboardPort={dashboardPort}",
            $"--Api:Port={RunContext.FreePort()}",
        ])
        { WorkingDirectory = Path.GetDirectoryName(appHostDll) };
        return ManagedProcess.Start(spec, line => { lock (output) { output.Add(line); } });
    }

    /// <summary>Pids of every resource process, read from the dashboard once all resources are up.</summary>
    private async Task<List<int>> WaitUntilEverythingIsUpAsync(ManagedProcess appHost)
    {
        using var dashboard = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{dashboardPort}") };
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        while (DateTime.UtcNow < deadline && !appHost.HasExited)
        {
            try
            {
                var resources = await dashboard.GetFromJsonAsync<JsonElement[]>("/api/resources", TestContext.Current.CancellationToken) ?? [];
                var states = resources.Select(resource => resource.GetProperty("state").GetString()).ToList();
                if (states.Count > 0 && states.All(state => state is "Healthy" or "Running"))
                {
                    return [.. resources.Where(resource => resource.GetProperty("pid").ValueKind == JsonValueKind.Number)
                        .Select(resource => resource.GetProperty("pid").GetInt32())];
                }

                if (states.Any(state => state is "Failed" or "Exited"))
                {
                    break;
                }
            }
            catch (HttpRequestException)
            {
                // The dashboard is not listening yet.
            }

            await Task.Delay(250, TestContext.Current.CancellationToken);
        }

        lock (output)
        {
            Assert.Fail($"the AppHost did not bring every resource up:{Environment.NewLine}{string.Join(Environment.NewLine, output.TakeLast(60))}");
        }

        return [];
    }
}
