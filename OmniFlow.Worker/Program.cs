using OmniFlow.Fulfillment.Persistence;
using OmniFlow.Worker;

var app = OrderWorkerApp.Build(args);
await app.Services.MigrateOmniFlowDatabaseAsync(app.Lifetime.ApplicationStopping);
await app.RunAsync();
