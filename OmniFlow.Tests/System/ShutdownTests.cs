using System.Diagnostics;
using OmniFlow.AppHost.Local;
using OmniFlow.Tests.AppHost;
using OmniFlow.Tests.Infrastructure;

namespace OmniFlow.Tests.WholeSystem;

/// <summary>
/// The AppHost as a user runs it, <c>dotnet run --project OmniFlow.AppHost</c> in its own session: Ctrl+C to the
/// AppHost, SIGTERM to <c>dotnet run</c>'s process group, or SIGKILL of the AppHost alone leave no process of the system
/// behind (for SIGKILL, DCP notices its monitored AppHost is gone within its monitor interval).
/// </summary>
[Collection(WholeSystemCollection.Name)]
public sealed class ShutdownTests : IDisposable
{
    private const int SigInt = 2;
    private const int SigKill = 9;
    private const int SigTerm = 15;

    private readonly string dataDirectory = Directory.CreateTempSubdirectory("omniflow-shutdown-").FullName;
    private readonly int apiPort = LocalMachine.FreePort();
    private readonly List<string> output = [];

    public void Dispose()
    {
        try
        {
            Directory.Delete(dataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A server killed a moment ago may still be closing a file.
        }
    }

    [Fact]
    public Task Ctrl_C_to_the_apphost_stops_everything() =>
        StopsEverythingAsync(localBinaries: false, (_, appHost) => Signal(appHost, SigInt), within: TimeSpan.FromSeconds(30));

    [Fact]
    public Task SIGTERM_to_the_process_group_of_dotnet_run_stops_everything_including_redis_and_mariadb() =>
        StopsEverythingAsync(localBinaries: true, (dotnetRun, _) => Signal(-dotnetRun, SigTerm), within: TimeSpan.FromSeconds(30));

    [Fact]
    public Task SIGKILL_of_the_apphost_alone_leaves_DCP_to_stop_everything() =>
        StopsEverythingAsync(localBinaries: false, (_, appHost) => Signal(appHost, SigKill), within: TimeSpan.FromSeconds(45));

    private async Task StopsEverythingAsync(bool localBinaries, Action<int, int> signal, TimeSpan within)
    {
        if (localBinaries && (RequiredServices.FindBinary("redis-server") is null || RequiredServices.FindBinary("mariadbd") is null))
        {
            RequiredServices.Unavailable("redis-server or mariadbd is not installed");
        }

        using var dotnetRun = StartAppHost(localBinaries);
        try
        {
            await WaitUntilHealthyAsync(dotnetRun);
            var appHost = ProcessTree.Descendants(dotnetRun.Id).Single(pid => ProcessTree.CommandLine(pid).Contains("OmniFlow.AppHost", StringComparison.Ordinal));
            // DCP detaches from the AppHost (its parent is init) and watches it with --monitor; the resources are its children.
            var dcp = ProcessTree.WithCommandLineContaining($"--monitor {appHost} ");
            var processes = ProcessTree.Descendants(dotnetRun.Id).Concat(dcp).Concat(dcp.SelectMany(ProcessTree.Descendants)).Distinct().ToList();
            Assert.Contains(processes, pid => ProcessTree.CommandLine(pid).Contains("OmniFlow.Worker", StringComparison.Ordinal));
            if (localBinaries)
            {
                Assert.Contains(processes, pid => ProcessTree.CommandLine(pid).Contains("mariadbd", StringComparison.Ordinal));
                Assert.Contains(processes, pid => ProcessTree.CommandLine(pid).Contains("redis-server", StringComparison.Ordinal));
            }

            signal(dotnetRun.Id, appHost);

            await ProcessProbe.WaitUntilAsync(() => processes.All(pid => !ProcessProbe.IsAlive(pid)), within,
                "every process of the system is gone: " + string.Join(", ", processes.Where(ProcessProbe.IsAlive).Select(pid => $"{pid} {ProcessTree.CommandLine(pid)}")));
        }
        finally
        {
            foreach (var pid in ProcessTree.Descendants(dotnetRun.Id).Append(dotnetRun.Id).Where(ProcessProbe.IsAlive).ToList())
            {
                Signal(pid, SigKill);
            }
        }
    }

    /// <summary><c>dotnet run</c> of the AppHost in a new session (its own process group), on free ports.</summary>
    private Process StartAppHost(bool localBinaries)
    {
        var project = Path.Combine(SourceTree.SolutionDirectory(), "OmniFlow.AppHost");
        var start = new ProcessStartInfo("setsid",
        [
            "dotnet", "run", "--project", project, "--no-build", "--no-launch-profile", "--",
            $"--AppHost:DataDirectory={dataDirectory}", $"--Api:Port={apiPort}", $"--AppHost:UseLocalBinaries={localBinaries}",
            "--AppHost:PreferWellKnownPorts=false",
        ])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["DOTNET_ENVIRONMENT"] = "Development";
        start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{LocalMachine.FreePort()}";
        start.Environment["ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL"] = $"http://127.0.0.1:{LocalMachine.FreePort()}";
        start.Environment["ASPIRE_RESOURCE_SERVICE_ENDPOINT_URL"] = $"http://127.0.0.1:{LocalMachine.FreePort()}";
        start.Environment["ASPIRE_ALLOW_UNSECURED_TRANSPORT"] = "true";
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, line) => Record(line.Data);
        process.ErrorDataReceived += (_, line) => Record(line.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private void Record(string? line)
    {
        if (line is not null)
        {
            lock (output)
            {
                output.Add(line);
            }
        }
    }

    private async Task WaitUntilHealthyAsync(Process dotnetRun)
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(4);
        while (DateTime.UtcNow < deadline && !dotnetRun.HasExited)
        {
            try
            {
                using var health = await client.GetAsync($"http://127.0.0.1:{apiPort}/health", TestContext.Current.CancellationToken);
                if (health.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
            {
                // Not up yet.
            }

            await Task.Delay(500, TestContext.Current.CancellationToken);
        }

        lock (output)
        {
            Assert.Fail($"the Api did not become healthy:{Environment.NewLine}{string.Join(Environment.NewLine, output.TakeLast(60))}");
        }
    }

    private static void Signal(int pid, int signal) => Process.Start("kill", [$"-{signal}", "--", $"{pid}"])!.WaitForExit();
}
