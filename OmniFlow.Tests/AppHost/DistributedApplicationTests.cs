using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Serialization;
using OmniFlow.AppHost.Hosting;
using OmniFlow.AppHost.Hosting.Processes;

namespace OmniFlow.Tests.AppHost;

/// <summary>The engine with executables as resources: ordering, dashboard, exit, restart and stop.</summary>
public sealed class DistributedApplicationTests : IAsyncLifetime
{
    private readonly string dataDirectory = Directory.CreateTempSubdirectory("omniflow-apphost-").FullName;
    private readonly string marker = $"omniflow-engine-{Guid.NewGuid():N}";
    private readonly int dashboardPort = RunContext.FreePort();
    private DistributedApplication app = null!;
    private HttpClient dashboard = null!;

    public async ValueTask InitializeAsync()
    {
        var builder = DistributedApplication.CreateBuilder(
            [$"--AppHost:DataDirectory={dataDirectory}", $"--AppHost:DashboardPort={dashboardPort}", "--AppHost:ConsoleOutput=false"]);
        var first = builder.AddExecutable("first", "sh", dataDirectory, "-c", $"echo first up; sleep 300; echo done # {marker}");
        builder.AddExecutable("second", "sh", dataDirectory, "-c", $"echo second up; sleep 301; echo done # {marker}")
            .WithEnvironment("MARKER", marker)
            .WaitFor(first);
        app = builder.Build();
        await app.StartAsync(TestContext.Current.CancellationToken);
        dashboard = new HttpClient { BaseAddress = app.DashboardUri };
    }

    public async ValueTask DisposeAsync()
    {
        dashboard.Dispose();
        await app.DisposeAsync();
        Directory.Delete(dataDirectory, recursive: true);
    }

    [Fact]
    public async Task Dashboard_lists_every_resource_running_in_dependency_order()
    {
        var resources = await Resources();

        Assert.Equal(["first", "second"], resources.Select(resource => resource.Name));
        Assert.All(resources, resource =>
        {
            Assert.Equal("Executable", resource.Kind);
            Assert.Equal("local binary", resource.Mode);
            Assert.Equal("Healthy", resource.State);
            Assert.True(resource.Pid is > 0 && ProcessProbe.IsAlive(resource.Pid.Value));
        });
        Assert.Contains("first up", app["first"].Log.Recent(10));
        Assert.Contains($"MARKER={marker}", File.ReadAllText($"/proc/{resources[1].Pid}/environ").Split('\0'));

        var page = await dashboard.GetStringAsync("/", TestContext.Current.CancellationToken);
        Assert.Contains("/api/resources", page);
    }

    [Fact]
    public async Task A_resource_killed_with_SIGKILL_shows_as_exited_and_restarts_with_a_new_pid()
    {
        var before = (await Resources()).Single(resource => resource.Name == "second");
        Signals.Send(before.Pid!.Value, Signals.SigKill);
        await ProcessProbe.WaitUntilAsync(() => app["second"].State.Current == ResourceState.Exited, TimeSpan.FromSeconds(10), "second has exited");

        var exited = (await Resources()).Single(resource => resource.Name == "second");
        Assert.Equal("Exited", exited.State);
        Assert.Null(exited.Pid);

        using var restart = await dashboard.PostAsync("/api/resources/second/restart", null, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, restart.StatusCode);
        var after = (await Resources()).Single(resource => resource.Name == "second");
        Assert.Equal("Healthy", after.State);
        Assert.NotEqual(before.Pid, after.Pid);
        Assert.True(ProcessProbe.IsAlive(after.Pid!.Value));
    }

    [Fact]
    public async Task Stop_and_start_from_the_dashboard()
    {
        var pid = (await Resources()).Single(resource => resource.Name == "first").Pid!.Value;

        using var stop = await dashboard.PostAsync("/api/resources/first/stop", null, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, stop.StatusCode);
        Assert.Equal("Stopped", (await Resources()).Single(resource => resource.Name == "first").State);
        Assert.False(ProcessProbe.IsAlive(pid));

        using var start = await dashboard.PostAsync("/api/resources/first/start", null, TestContext.Current.CancellationToken);
        Assert.Equal("Healthy", (await Resources()).Single(resource => resource.Name == "first").State);

        using var unknown = await dashboard.PostAsync("/api/resources/nope/restart", null, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("application/problem+json", unknown.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Stopping_the_application_leaves_no_process()
    {
        var pids = (await Resources()).Select(resource => resource.Pid!.Value).ToList();

        await app.StopAsync();

        Assert.All(pids, pid => Assert.False(ProcessProbe.IsAlive(pid), $"pid {pid} survived"));
        Assert.Empty(ProcessProbe.WithCommandLineContaining(marker));
        Assert.All(app.Resources, runner => Assert.Equal(ResourceState.Stopped, runner.State.Current));
    }

    private async Task<List<ResourceDto>> Resources() =>
        await dashboard.GetFromJsonAsync<List<ResourceDto>>("/api/resources", TestContext.Current.CancellationToken) ?? [];

    private sealed record ResourceDto(
        [property: JsonPropertyName("name")] string Name,
        [property: JsonPropertyName("kind")] string Kind,
        [property: JsonPropertyName("mode")] string Mode,
        [property: JsonPropertyName("state")] string State,
        [property: JsonPropertyName("endpoint")] string? Endpoint,
        [property: JsonPropertyName("pid")] int? Pid);
}
