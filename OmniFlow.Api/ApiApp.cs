using OmniFlow.Api.Admin;
using OmniFlow.Api.Infrastructure;
using OmniFlow.Api.Orders;
using OmniFlow.Api.Products;
using OmniFlow.Fulfillment.Persistence;
using Scalar.AspNetCore;

namespace OmniFlow.Api;

/// <summary>The Api process as one buildable unit, so tests host exactly what <c>Program</c> runs.</summary>
public static class ApiApp
{
    public const string DefaultPort = "8000";

    /// <param name="args">The command line.</param>
    /// <param name="configure">Runs after the Api's services are registered, before the host is built (tests replace a dependency here).</param>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.AddServiceDefaults();
        builder.AddApplicationServices();
        configure?.Invoke(builder);
        // Api:Port decides the port (the contract's 8000 when nothing else is configured); always on 127.0.0.1.
        var port = builder.Configuration["Api:Port"];
        var urlsConfigured = !string.IsNullOrEmpty(builder.Configuration["urls"]) || !string.IsNullOrEmpty(builder.Configuration["http_ports"]);
        if (!string.IsNullOrEmpty(port) || !urlsConfigured)
        {
            builder.WebHost.UseUrls($"http://127.0.0.1:{(string.IsNullOrEmpty(port) ? DefaultPort : port)}");
        }

        // No "Server: Kestrel" line on every answer; every body the Api reads is small.
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = RequestBodyLimit.MaxBytes;
        });

        var app = builder.Build();
        // Routing after the exception handler and status-code pages: the order endpoint short-circuits what follows
        // routing (OrdersApi), and its failures, and the framework's bodiless 4xx (413), are still answered as problems.
        app.UseExceptionHandler();
        app.UseStatusCodePages();

        app.UseRouting();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapDefaultEndpoints();

        // The document is the public contract, served everywhere; its reader (Scalar) only in Development.
        app.MapOpenApi();
        if (app.Environment.IsDevelopment())
        {
            app.MapScalarApiReference();
        }

        var api = app.MapGroup("/api/v1");
        api.MapProductsApi();
        api.MapOrdersApi();
        api.MapReconciliationsApi();
        api.MapNotificationsApi();
        return app;
    }

    /// <summary>Brings the database schema up to date, then serves.</summary>
    public static async Task RunAsync(WebApplication app)
    {
        await app.Services.MigrateOmniFlowDatabaseAsync(app.Lifetime.ApplicationStopping);
        await app.RunAsync();
    }
}
