using System.Net;

namespace OmniFlow.AppHost.Hosting.Dashboard;

/// <summary>The resources dashboard: an HTML page, <c>GET /api/resources</c>, and start/stop/restart per resource.</summary>
public sealed class DashboardHost(WebApplication web) : IAsyncDisposable
{
    private const int PageLogLines = 30;

    public static async Task<DashboardHost> StartAsync(DistributedApplication application, int port)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port));
        builder.Services.AddProblemDetails();
        var web = builder.Build();

        web.MapGet("/", () => Results.Content(DashboardPage.Html, "text/html; charset=utf-8"));
        var api = web.MapGroup("/api/resources");
        api.MapGet("/", (int? logs) => application.Resources.Select(runner => runner.Snapshot(logs ?? PageLogLines)));
        api.MapGet("/{name}", (string name) => Find(application, name) is { } runner
            ? Results.Ok(runner.Snapshot(PageLogLines))
            : NotFound(name));
        api.MapPost("/{name}/restart", (string name) => Act(application, name, runner => application.RestartAsync(runner.Resource.Name)));
        api.MapPost("/{name}/stop", (string name) => Act(application, name, runner => runner.StopAsync()));
        api.MapPost("/{name}/start", (string name) => Act(application, name, runner => application.StartResourceAsync(runner.Resource.Name)));

        await web.StartAsync();
        return new DashboardHost(web);
    }

    public async ValueTask DisposeAsync()
    {
        await web.StopAsync(TimeSpan.FromSeconds(2));
        await web.DisposeAsync();
    }

    private static ResourceRunner? Find(DistributedApplication application, string name) =>
        application.Resources.FirstOrDefault(runner => runner.Resource.Name.Equals(name, StringComparison.OrdinalIgnoreCase));

    /// <summary>Answers once the action is done (a restart: when the resource is healthy again or has failed).</summary>
    private static async Task<IResult> Act(DistributedApplication application, string name, Func<ResourceRunner, Task> action)
    {
        if (Find(application, name) is not { } runner)
        {
            return NotFound(name);
        }

        await action(runner);
        return Results.Ok(runner.Snapshot(PageLogLines));
    }

    private static IResult NotFound(string name) =>
        Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Unknown resource", detail: $"No resource is named '{name}'.");
}
