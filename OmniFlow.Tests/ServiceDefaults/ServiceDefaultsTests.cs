using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using OmniFlow.Fulfillment.Admission;
using OmniFlow.Fulfillment.Inventory;

namespace OmniFlow.Tests.ServiceDefaults;

public sealed class ServiceDefaultsTests
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Health_alive_and_metrics_endpoints_answer_over_http()
    {
        var dependency = new SwitchableCheck();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.AddServiceDefaults();
        builder.AddAdmissionGate();
        builder.Services.AddHealthChecks().AddCheck("dependency", dependency, tags: ["ready"]);
        await using var app = builder.Build();
        app.MapDefaultEndpoints();
        await app.StartAsync(Cancellation);
        using var http = new HttpClient { BaseAddress = new Uri(app.Urls.Single()) };

        dependency.Healthy = false;
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/alive", Cancellation)).StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await http.GetAsync("/health", Cancellation)).StatusCode);

        dependency.Healthy = true;
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health", Cancellation)).StatusCode);

        var gate = app.Services.GetRequiredService<IAdmissionGate>();
        await gate.SetStockAsync("phone", 1, Cancellation);
        Assert.True((await gate.TryAdmitAsync("ORDER-1", "u-1", [new StockLine("phone", 1)], Cancellation)).Admitted);
        var metrics = await http.GetAsync("/metrics", Cancellation);
        var text = await metrics.Content.ReadAsStringAsync(Cancellation);

        Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);
        Assert.StartsWith("text/plain", metrics.Content.Headers.ContentType?.MediaType);
        Assert.Contains("omniflow_admission_admitted_total", text);
        Assert.Contains("# TYPE omniflow_admission_admitted_total counter", text);
        Assert.Contains("http_server_request_duration_seconds", text);
        Assert.Contains("kestrel_active_connections", text);
        Assert.DoesNotContain("aspnetcore_memory_pool", text);
        await app.StopAsync(Cancellation);
    }

    private sealed class SwitchableCheck : IHealthCheck
    {
        public volatile bool Healthy = true;

        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            Task.FromResult(Healthy ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("switched off"));
    }
}
