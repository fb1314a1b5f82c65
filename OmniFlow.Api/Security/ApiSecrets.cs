using System.Text;

namespace OmniFlow.Api.Security;

/// <summary>
/// The admin key (<c>Admin:ApiKey</c>) and the payment webhook secret (<c>Payments:WebhookSecret</c>). Development has
/// defaults; anywhere else both must be configured, or the Api refuses to start.
/// </summary>
public sealed class ApiSecrets
{
    public const string DevelopmentAdminKey = "dev-admin-key";
    public const string DevelopmentWebhookSecret = "dev-webhook-secret";

    private ApiSecrets(byte[] adminKey, byte[] webhookSecret)
    {
        AdminKey = adminKey;
        WebhookSecret = webhookSecret;
    }

    public byte[] AdminKey { get; }

    public byte[] WebhookSecret { get; }

    public static ApiSecrets From(IConfiguration configuration, IHostEnvironment environment)
    {
        var adminKey = configuration["Admin:ApiKey"];
        var webhookSecret = configuration["Payments:WebhookSecret"];
        if (environment.IsDevelopment())
        {
            adminKey = string.IsNullOrEmpty(adminKey) ? DevelopmentAdminKey : adminKey;
            webhookSecret = string.IsNullOrEmpty(webhookSecret) ? DevelopmentWebhookSecret : webhookSecret;
        }

        var missing = new[] { ("Admin:ApiKey", adminKey), ("Payments:WebhookSecret", webhookSecret) }
            .Where(setting => string.IsNullOrEmpty(setting.Item2))
            .Select(setting => setting.Item1)
            .ToList();
        if (missing.Count > 0)
        {
            throw new InvalidOperationException(
                $"OmniFlow.Api refuses to start in the '{environment.EnvironmentName}' environment: {string.Join(" and ", missing)} must be configured " +
                "(for example with the environment variables Admin__ApiKey and Payments__WebhookSecret). Only Development has defaults.");
        }

        return new ApiSecrets(Encoding.UTF8.GetBytes(adminKey!), Encoding.UTF8.GetBytes(webhookSecret!));
    }
}
