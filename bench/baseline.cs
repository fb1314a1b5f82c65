#:sdk Microsoft.NET.Sdk.Web
#:property TieredPGO=true

// The cheapest Kestrel endpoint, the yardstick for the admission path: dotnet run -c Release bench/baseline.cs [--urls http://127.0.0.1:8001]
var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
builder.WebHost.UseUrls(builder.Configuration["urls"] ?? "http://127.0.0.1:8001");
var app = builder.Build();
app.MapGet("/", () => "ok");
app.Run();
