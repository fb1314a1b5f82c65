using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using OmniFlow.Api;
using OmniFlow.Api.Security;
using OmniFlow.Fulfillment.Orders;
using OmniFlow.Fulfillment.Persistence;
using OmniFlow.Tests.Infrastructure;
using OmniFlow.Tests.TemporalServer.Infrastructure;
using Temporalio.Client;
using Temporalio.Worker;
using Temporalio.Workflows;

namespace OmniFlow.Tests.Api;

/// <summary>How the Api starts, and how it behaves when Temporal is not there.</summary>
public sealed class ApiHostTests
{
    [Fact]
    public void Outside_development_the_api_refuses_to_start_without_its_secrets()
    {
        var error = Assert.Throws<InvalidOperationException>(() => ApiApp.Build(["--environment=Staging", "--Payments:WebhookSecret=set"]));

        Assert.Contains("Admin:ApiKey", error.Message);
        Assert.DoesNotContain("Payments:WebhookSecret", error.Message);
        Assert.Contains("refuses to start", error.Message);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-3")]
    public void The_api_refuses_to_start_with_no_room_for_admissions(string limit)
    {
        var error = Assert.Throws<InvalidOperationException>(() => ApiApp.Build(["--environment=Development", $"--Orders:MaxAdmissionsInFlight={limit}"]));

        Assert.Equal("Orders:MaxAdmissionsInFlight must be at least 1.", error.Message);
    }

    [Fact]
    public async Task Development_has_default_secrets()
    {
        using var folder = new ScratchDirectory("omniflow-dev-");
        await using var app = ApiApp.Build(["--environment=Development", $"--ConnectionStrings:omniflowdb=Data Source={folder.File("db")}"]);

        var secrets = app.Services.GetRequiredService<ApiSecrets>();

        Assert.Equal(Encoding.UTF8.GetBytes(ApiSecrets.DevelopmentAdminKey), secrets.AdminKey);
        Assert.Equal(Encoding.UTF8.GetBytes(ApiSecrets.DevelopmentWebhookSecret), secrets.WebhookSecret);
    }

    [Fact]
    public async Task Without_temporal_an_order_is_503_and_its_admission_is_given_back()
    {
        var token = TestContext.Current.CancellationToken;
        using var folder = new ScratchDirectory("omniflow-no-temporal-");
        await using var app = ApiApp.Build(
        [
            "--environment=Development",
            "--urls=http://127.0.0.1:0",
            $"--ConnectionStrings:omniflowdb=Data Source={folder.File("db")}",
            $"--Temporal:Address=127.0.0.1:{ClosedPort()}",
            "--Logging:LogLevel:Default=None",
        ]);
        await app.Services.MigrateOmniFlowDatabaseAsync(token);
        await app.StartAsync(token);
        using var http = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };

        using var put = new HttpRequestMessage(HttpMethod.Put, "/api/v1/products/NT-1")
        {
            Content = JsonContent.Create(new { name = "No Temporal", price = 1m, stock = 3, warehouse = "SH" }),
        };
        put.Headers.Add("X-Api-Key", ApiSecrets.DevelopmentAdminKey);
        Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(put, token)).StatusCode);

        using var order = await http.PostAsync("/api/v1/orders",
            new StringContent("""{"user_id": "u-1", "items": ["NT-1"], "amount": 1}""", Encoding.UTF8, "application/json"), token);
        await Problems.AssertProblemAsync(order, HttpStatusCode.ServiceUnavailable);

        var product = await Problems.JsonAsync(await http.GetAsync("/api/v1/products/NT-1", token), HttpStatusCode.OK);
        Assert.Equal(3, product.GetProperty("gate_stock").GetInt32());
        Assert.Equal(3, product.GetProperty("stock").GetInt32());

        using var again = await http.PostAsync("/api/v1/orders",
            new StringContent("""{"user_id": "u-1", "items": ["NT-1"], "amount": 1}""", Encoding.UTF8, "application/json"), token);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, again.StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/alive", token)).StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await http.GetAsync("/health", token)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/openapi/v1.json", token)).StatusCode);
        await app.StopAsync(token);
    }

    [Fact]
    public async Task The_gate_worker_starts_once_temporal_answers()
    {
        var token = TestContext.Current.CancellationToken;
        using var folder = new ScratchDirectory("omniflow-late-temporal-");
        var port = DevServerProcess.FreePort();
        var gateQueue = $"gate-{Guid.NewGuid():N}";
        await using var app = ApiApp.Build(
        [
            "--environment=Development",
            "--urls=http://127.0.0.1:0",
            $"--ConnectionStrings:omniflowdb=Data Source={folder.File("db")}",
            $"--Temporal:Address=127.0.0.1:{port}",
            $"--Temporal:GateTaskQueue={gateQueue}",
            "--Logging:LogLevel:Default=None",
        ]);
        await app.Services.MigrateOmniFlowDatabaseAsync(token);
        await app.StartAsync(token);
        using var http = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/alive", token)).StatusCode);

        using var temporal = await DevServerProcess.StartAsync(port, folder.File("temporal.db"));
        var client = await TemporalClient.ConnectAsync(new(temporal.Target));
        var workflows = $"gate-caller-{Guid.NewGuid():N}";
        using var worker = new TemporalWorker(client, new TemporalWorkerOptions(workflows).AddWorkflow<GateCallerWorkflow>());
        var released = await worker.ExecuteAsync(() => client.ExecuteWorkflowAsync(
            (GateCallerWorkflow wf) => wf.RunAsync(gateQueue, $"ORDER-{Guid.NewGuid()}"),
            new($"gate-caller-{Guid.NewGuid():N}", workflows) { RunTimeout = TimeSpan.FromSeconds(20) }), token);

        Assert.False(released);
        await app.StopAsync(token);
    }

    /// <summary>Gives an admission back through the gate queue, as an order does: only the Api's gate worker serves it.</summary>
    [Workflow]
    public sealed class GateCallerWorkflow
    {
        [WorkflowRun]
        public Task<bool> RunAsync(string gateQueue, string orderId) =>
            Workflow.ExecuteActivityAsync<bool>(
                AdmissionActivities.ReleaseAdmission, [orderId], new() { TaskQueue = gateQueue, StartToCloseTimeout = TimeSpan.FromSeconds(10) });
    }

    /// <summary>A port nothing listens on: a Temporal address that is never reachable.</summary>
    internal static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
