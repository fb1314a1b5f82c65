using OmniFlow.Fulfillment.Persistence;
using OmniFlow.Worker;

if (HealthProbe.IsRequested(args))
{
    return await HealthProbe.RunAsync(args);
}

var app = OrderWorkerApp.Build(args);
await app.Services.MigrateOmniFlowDatabaseAsync(app.Lifetime.ApplicationStopping);
await app.RunAsync();
return 0;
