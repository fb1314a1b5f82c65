using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OmniFlow.Api;
using OmniFlow.Api.Orders;

namespace OmniFlow.Tests.Api;

/// <summary>
/// An Api whose database cannot be opened (a SQLite file in a folder that does not exist) and whose Temporal refuses
/// every call (a namespace the server does not have): what each endpoint answers when its dependencies are down.
/// Its gate worker, which would only retry against that Temporal, is left out.
/// </summary>
internal sealed class UnavailableDependenciesApi : IAsyncDisposable
{
    private readonly WebApplication app;

    private UnavailableDependenciesApi(WebApplication app) => this.app = app;

    public Uri Address => new(app.Urls.First());

    public static async Task<UnavailableDependenciesApi> StartAsync(OmniFlowSystem system)
    {
        var missingFolder = Path.Combine(Path.GetTempPath(), $"omniflow-missing-{Guid.NewGuid():N}", "nowhere");
        var app = ApiApp.Build(
        [
            "--environment=Production",
            "--urls=http://127.0.0.1:0",
            $"--ConnectionStrings:omniflowdb=Data Source={Path.Combine(missingFolder, "omniflow.db")}",
            $"--Temporal:Address={system.Temporal.Client.Connection.Options.TargetHost}",
            "--Temporal:Namespace=no-such-namespace",
            $"--Admin:ApiKey={OmniFlowSystem.AdminKey}",
            $"--Payments:WebhookSecret={OmniFlowSystem.WebhookSecret}",
            "--Reconciliation:Schedule=",
            "--Logging:LogLevel:Default=None",
        ], builder =>
        {
            var gateWorker = builder.Services.Single(service => service.ServiceType == typeof(IHostedService) && service.ImplementationType == typeof(GateWorker));
            builder.Services.Remove(gateWorker);
        });
        await app.StartAsync(TestContext.Current.CancellationToken);
        return new UnavailableDependenciesApi(app);
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
