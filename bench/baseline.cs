#:sdk Microsoft.NET.Sdk.Web
#:property TieredPGO=true

// The cheapest Kestrel JSON endpoints, the yardstick for the admission path:
//   dotnet run -c Release bench/baseline.cs [--urls http://127.0.0.1:8001]
// POST /api/v1/orders answers a constant 429 problem (without reading the body), as the sold-out answer looks; GET / "ok".
var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
builder.WebHost.UseUrls(builder.Configuration["urls"] ?? "http://127.0.0.1:8001");
var app = builder.Build();
var soldOut = """{"type":"https://tools.ietf.org/html/rfc6585#section-4","title":"Too Many Requests","status":429,"detail":"'SOLDOUT-1' is sold out.","error":"sold out","traceId":"00-00000000000000000000000000000000-0000000000000000-00"}"""u8.ToArray();
app.MapGet("/", () => "ok");
app.MapPost("/api/v1/orders", (HttpContext context) =>
{
    context.Response.StatusCode = 429;
    context.Response.ContentType = "application/problem+json";
    context.Response.ContentLength = soldOut.Length;
    return context.Response.Body.WriteAsync(soldOut).AsTask();
});
app.Run();
