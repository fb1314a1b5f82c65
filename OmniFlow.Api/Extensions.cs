using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.DependencyInjection.Extensions;
using OmniFlow.Api.Infrastructure;
using OmniFlow.Api.OpenApi;
using OmniFlow.Api.Orders;
using OmniFlow.Api.Products;
using OmniFlow.Api.Security;
using OmniFlow.Fulfillment.Admission;
using OmniFlow.Fulfillment.Orders;
using OmniFlow.Fulfillment.Notifications;
using OmniFlow.Fulfillment.Persistence;
using OmniFlow.Fulfillment.Reconciliation;

namespace OmniFlow.Api;

public static class Extensions
{
    /// <summary>Everything the Api needs besides the service defaults: gate, database, Temporal, security, JSON, problems.</summary>
    public static IHostApplicationBuilder AddApplicationServices(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddSingleton(ApiSecrets.From(builder.Configuration, builder.Environment));
        services.AddAdminKeyAuthentication();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<WebhookSignature>();

        builder.AddAdmissionGate();
        builder.AddOmniFlowDatabase();
        builder.AddOmniFlowTemporalClient();
        services.AddSingleton<StockObserver>();
        services.AddSingleton<GateReconciliationActivities>();
        services.AddSingleton<ReconciliationStore>();
        builder.AddNotificationSettings();
        services.AddSingleton<NotificationStore>();
        GateWorker.AddTo(services, TemporalSettings.From(builder.Configuration));
        services.AddHealthChecks().AddCheck<TemporalHealthCheck>("temporal");

        services.AddSingleton<ProductDirectory>();
        services.AddSingleton<OrderAdmission>();
        services.AddSingleton<AdmissionGiveBack>();
        services.AddHostedService(provider => provider.GetRequiredService<AdmissionGiveBack>());
        services.AddSingleton<AdmissionRejections>();
        services.AddSingleton<OrderReader>();
        services.AddSingleton<OrderUpdates>();
        if (OrderRateLimiting.From(builder.Configuration) is { } rateLimiting)
        {
            services.AddSingleton(rateLimiting);
        }
        else
        {
            // Without a per-client order limit (which counts every order), the sold-out crowd is answered at the door.
            services.AddSingleton<SoldOutDoor>();
            services.Decorate<IServer>((server, provider) => new ServerWithSoldOutDoor(server, provider.GetRequiredService<SoldOutDoor>));
        }

        services.Configure<JsonOptions>(options => ApiJson.Configure(options.SerializerOptions));
        services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
        {
            // Answers the framework writes itself (unknown route, wrong method, not JSON) get the contract's fields too.
            var status = context.ProblemDetails.Status ?? context.HttpContext.Response.StatusCode;
            context.ProblemDetails.Type ??= ApiProblems.TypeFor(status);
            context.ProblemDetails.Detail ??= ApiProblems.DetailFor(status);
        });
        services.AddExceptionHandler<ApiExceptionHandler>();
        services.AddSingleton<DependencyFailureLog>();
        services.Configure<Microsoft.AspNetCore.Builder.ExceptionHandlerOptions>(options =>
            // What ApiExceptionHandler answers (bad input 4xx, an outage 503) is not an error with a stack trace per
            // request; it logs outages itself, once per interval. Anything else is a 500 and logged in full.
            options.SuppressDiagnosticsCallback = context =>
                context.ExceptionHandledBy == Microsoft.AspNetCore.Diagnostics.ExceptionHandledType.ExceptionHandlerService);
        services.AddContractDocument();
        return builder;
    }
}
