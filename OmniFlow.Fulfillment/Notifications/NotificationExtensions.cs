using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace OmniFlow.Fulfillment.Notifications;

public static class NotificationExtensions
{
    /// <summary>
    /// The <c>Notifications</c> section as <see cref="NotificationSettings"/>, validated when the host starts (a bad
    /// webhook URL, an unknown event name... stop it with the setting's name). The Api reads it to know whether orders
    /// notify; the Worker delivers.
    /// </summary>
    public static IHostApplicationBuilder AddNotificationSettings(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<NotificationSettings>().Bind(builder.Configuration.GetSection(NotificationSettings.Section)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<NotificationSettings>, NotificationSettingsValidator>());
        services.TryAddSingleton(provider => provider.GetRequiredService<IOptions<NotificationSettings>>().Value);
        return builder;
    }

    /// <summary>The channels (webhooks, email, SMS through <see cref="ISmsProvider"/>, the logging one unless another is registered) and the delivery store.</summary>
    public static IHostApplicationBuilder AddNotificationCenter(this IHostApplicationBuilder builder)
    {
        builder.AddNotificationSettings();
        var services = builder.Services;
        services.TryAddSingleton<ISmsProvider, LoggingSmsProvider>();
        services.AddSingleton<INotificationChannel>(provider => new WebhookChannel(
            provider.GetRequiredService<NotificationSettings>(),
            // Its own client: retries are Temporal's (durable, with backoff), not a resilience handler's inside one attempt.
            new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) }) { Timeout = TimeSpan.FromSeconds(15) }));
        services.AddSingleton<INotificationChannel, EmailChannel>();
        services.AddSingleton<INotificationChannel, SmsChannel>();
        services.AddSingleton<NotificationStore>();
        return builder;
    }
}

internal sealed class NotificationSettingsValidator : IValidateOptions<NotificationSettings>
{
    public ValidateOptionsResult Validate(string? name, NotificationSettings options) =>
        options.Problem() is { } problem ? ValidateOptionsResult.Fail(problem) : ValidateOptionsResult.Success;
}
