using Microsoft.Extensions.Configuration;
using MimeKit;

namespace OmniFlow.Fulfillment.Notifications;

/// <summary>
/// The <c>Notifications</c> configuration section. Each channel is off until configured; with none configured, orders
/// run no notification workflow at all.
/// </summary>
public sealed class NotificationSettings
{
    public const string Section = "Notifications";

    public List<WebhookSettings> Webhooks { get; set; } = [];

    public EmailSettings Email { get; set; } = new();

    public SmsSettings Sms { get; set; } = new();

    /// <summary>How long a delivery is retried (with backoff) before it is given up.</summary>
    public TimeSpan RetryHorizon { get; set; } = TimeSpan.FromHours(24);

    /// <summary>The longest wait between two attempts of one delivery; the first retry comes after a second, each next one twice as late.</summary>
    public TimeSpan MaximumRetryInterval { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How long before an unpaid order's payment deadline <c>order.payment_reminder</c> is sent.</summary>
    public TimeSpan PaymentReminderBefore { get; set; } = TimeSpan.FromMinutes(10);

    public bool AnyChannel => Webhooks.Count > 0 || Email.IsConfigured || Sms.Enabled;

    public static NotificationSettings From(IConfiguration configuration) =>
        configuration.GetSection(Section).Get<NotificationSettings>() ?? new NotificationSettings();

    /// <summary>What is wrong with these settings, or null.</summary>
    public string? Problem()
    {
        for (var i = 0; i < Webhooks.Count; i++)
        {
            if (Webhooks[i].Problem($"{Section}:{nameof(Webhooks)}:{i}") is { } problem)
            {
                return problem;
            }
        }

        return Email.Problem($"{Section}:{nameof(Email)}")
            ?? EventsProblem(Sms.Events, $"{Section}:{nameof(Sms)}")
            ?? (RetryHorizon <= TimeSpan.Zero ? $"{Section}:{nameof(RetryHorizon)} must be positive."
            : MaximumRetryInterval < TimeSpan.FromSeconds(1) ? $"{Section}:{nameof(MaximumRetryInterval)} must be at least a second."
            : PaymentReminderBefore <= TimeSpan.Zero ? $"{Section}:{nameof(PaymentReminderBefore)} must be positive."
            : null);
    }

    /// <summary>The events a channel subscribes to: the comma-separated list given, or all of them.</summary>
    public static IReadOnlyList<string> EventsOf(string? events) =>
        string.IsNullOrWhiteSpace(events)
            ? NotificationEvents.All
            : [.. events.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct(StringComparer.Ordinal)];

    internal static string? EventsProblem(string? events, string path) =>
        EventsOf(events).FirstOrDefault(type => !NotificationEvents.All.Contains(type)) is { } unknown
            ? $"{path}:Events names '{unknown}', which is not one of {string.Join(", ", NotificationEvents.All)}."
            : null;
}

/// <summary>One webhook endpoint: <c>Notifications:Webhooks:N:Url</c>, <c>:Secret</c>, <c>:Events</c>.</summary>
public sealed class WebhookSettings
{
    public string? Url { get; set; }

    /// <summary>The key of the HMAC-SHA256 signature of each body (<c>X-OmniFlow-Signature</c>).</summary>
    public string? Secret { get; set; }

    /// <summary>Comma-separated event types; empty for all.</summary>
    public string? Events { get; set; }

    internal string? Problem(string path) =>
        !Uri.TryCreate(Url, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps)
            ? $"{path}:Url must be an absolute http or https URL, not '{Url}'."
            : string.IsNullOrEmpty(Secret) ? $"{path}:Secret must be set: every delivery is signed with it."
            : NotificationSettings.EventsProblem(Events, path);
}

/// <summary>Email over SMTP (<c>Notifications:Email:*</c>); on when <c>Smtp:Host</c> is set.</summary>
public sealed class EmailSettings
{
    public SmtpSettings Smtp { get; set; } = new();

    /// <summary>The sender's address.</summary>
    public string? From { get; set; }

    /// <summary>Comma-separated addresses every mail goes to; the buyer is added when the order's user id is an address.</summary>
    public string? To { get; set; }

    /// <summary>Comma-separated event types; empty for all.</summary>
    public string? Events { get; set; }

    /// <summary>Per event type, a <c>Subject</c> and a <c>Body</c> replacing the built-in ones (<see cref="EmailTemplates"/>).</summary>
    public Dictionary<string, EmailTemplate> Templates { get; set; } = new(StringComparer.Ordinal);

    public bool IsConfigured => !string.IsNullOrWhiteSpace(Smtp.Host);

    public IReadOnlyList<MailboxAddress> Recipients() =>
        [.. (To ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(MailboxAddress.Parse)];

    internal string? Problem(string path)
    {
        if (!IsConfigured)
        {
            return null;
        }

        if (!MailboxAddress.TryParse(From, out _))
        {
            return $"{path}:From must be a mail address, not '{From}'.";
        }

        var badRecipient = (To ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .FirstOrDefault(address => !MailboxAddress.TryParse(address, out _));
        return badRecipient is not null ? $"{path}:To holds '{badRecipient}', which is not a mail address."
            : Smtp.Port is < 1 or > 65535 ? $"{path}:Smtp:Port must be between 1 and 65535."
            : Templates.Keys.FirstOrDefault(type => !NotificationEvents.All.Contains(type)) is { } unknown ? $"{path}:Templates names '{unknown}', which is not an event type."
            : NotificationSettings.EventsProblem(Events, path);
    }
}

public sealed class SmtpSettings
{
    public string? Host { get; set; }

    public int Port { get; set; } = 587;

    /// <summary>MailKit's <c>SecureSocketOptions</c>: <c>Auto</c> (STARTTLS when offered), <c>None</c>, <c>StartTls</c>, <c>SslOnConnect</c>.</summary>
    public MailKit.Security.SecureSocketOptions Security { get; set; } = MailKit.Security.SecureSocketOptions.Auto;

    /// <summary>Authenticates when set.</summary>
    public string? Username { get; set; }

    public string? Password { get; set; }
}

public sealed class EmailTemplate
{
    public string? Subject { get; set; }

    public string? Body { get; set; }
}

/// <summary>SMS (<c>Notifications:Sms:*</c>) through the registered <see cref="ISmsProvider"/>, which logs unless one is registered.</summary>
public sealed class SmsSettings
{
    public bool Enabled { get; set; }

    /// <summary>Comma-separated event types; empty for all.</summary>
    public string? Events { get; set; }
}
