using OmniFlow.AppHost.Hosting;

var builder = DistributedApplication.CreateBuilder(args);

var redis = builder.AddRedis("redis");
var db = builder.AddMySql("mysql").AddDatabase("omniflowdb");
var temporal = builder.AddTemporal("temporal");

string[] forwardedSections = ["Api", "Orders", "Sales", "Admin", "Payments"];

var worker = builder.AddProject<Projects.OmniFlow_Worker>("worker")
    .WithReference(redis)
    .WithReference(db)
    .WithReference(temporal)
    .WaitFor(db)
    .WaitFor(temporal)
    .WithConfigurationSections(forwardedSections)
    .WithHttpHealthCheck("/health");

builder.AddProject<Projects.OmniFlow_Api>("api")
    .WithReference(redis)
    .WithReference(db)
    .WithReference(temporal)
    .WaitFor(redis)
    .WaitFor(worker)
    .WithConfigurationSections(forwardedSections)
    .WithHttpEndpoint(port: builder.Configuration.GetValue("Api:Port", 8000))
    .WithHttpHealthCheck("/health");

builder.Build().Run();
