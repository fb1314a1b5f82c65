using OmniFlow.AppHost.MySql;
using OmniFlow.AppHost.Publishing;
using OmniFlow.AppHost.Redis;
using OmniFlow.AppHost.Services;
using OmniFlow.AppHost.Temporal;

var builder = DistributedApplication.CreateBuilder(args);

// Each backing service is external when configured, else a local binary, else OmniFlow's embedded default (README).
var redis = builder.AddRedisGate("redis");
var db = builder.AddMySqlDatabase("mysql", "omniflowdb");
var temporal = builder.AddTemporal("temporal");

string[] forwardedSections = ["Api", "Orders", "Sales", "Admin", "Payments", "Reconciliation", "Notifications", "Temporal", "Telemetry"];

// A Worker process, order or inventory: the database, Temporal, the forwarded settings, no idle spinning, the workstation GC, a native heap kept.
IResourceBuilder<ProjectResource> AsWorker(IResourceBuilder<ProjectResource> project) => project
    .WithReference(db)
    .WithReference(temporal)
    .WaitFor(db)
    .WaitFor(temporal)
    .WithAppHostEnvironment()
    .WithConfigurationSections(forwardedSections)
    .WithPromptTelemetryShutdown()
    .WithoutThreadPoolSpinning()
    .WithWorkstationGarbageCollector()
    .WithNativeHeapKept();

var worker = AsWorker(builder.AddProject<Projects.OmniFlow_Worker>("worker"))
    .WithDirectHttpEndpoint()
    .WithHttpHealthCheck("/health");

// The stock movements on workers of their own, scaled apart from the order workers (AppHost:InventoryWorkers replicas).
var inventory = builder.AddInventoryWorkers<Projects.OmniFlow_Worker>("inventory-worker", worker) is { } inventoryWorkers
    ? AsWorker(inventoryWorkers)
    : null;

var api = builder.AddProject<Projects.OmniFlow_Api>("api")
    .WithReference(db)
    .WithReference(temporal)
    .WaitFor(worker)
    .WithAppHostEnvironment()
    .WithConfigurationSections(forwardedSections)
    .WithPromptTelemetryShutdown()
    .WithDirectHttpEndpoint(builder.Configuration.GetValue("Api:Port", 8000))
    .WithHttpHealthCheck("/health")
    .WithoutTieringDelay();

if (inventory is not null)
{
    api.WaitFor(inventory).WithInventoryTaskQueue();
}

if (redis is not null)
{
    worker.WithReference(redis);
    api.WithReference(redis).WaitFor(redis);
}

builder.AddComposeAndKubernetesFromManifest();

builder.Build().Run();
