using Microsoft.Extensions.Logging;

namespace OmniFlow.Fulfillment.Notifications;

/// <summary>A text to a buyer; the provider knows how to reach <paramref name="UserId"/> (its phone number).</summary>
public sealed record SmsMessage(string? UserId, string EventId, string Text);

/// <summary>Sends SMS: register an implementation for a real gateway; <see cref="LoggingSmsProvider"/> is the default.</summary>
public interface ISmsProvider
{
    Task SendAsync(SmsMessage message, CancellationToken cancellationToken);
}

/// <summary>The default SMS provider: writes each text to the log.</summary>
public sealed partial class LoggingSmsProvider(ILogger<LoggingSmsProvider> logger) : ISmsProvider
{
    public Task SendAsync(SmsMessage message, CancellationToken cancellationToken)
    {
        LogSms(message.UserId ?? "(anonymous)", message.EventId, message.Text);
        return Task.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "SMS to {UserId} ({EventId}): {Text}")]
    private partial void LogSms(string userId, string eventId, string text);
}

/// <summary>SMS (<c>Notifications:Sms:Enabled</c>): the event's one-line text (its mail subject) through the <see cref="ISmsProvider"/>.</summary>
public sealed class SmsChannel(NotificationSettings settings, ISmsProvider provider) : INotificationChannel
{
    public const string Channel = "sms";

    private readonly EmailTemplates templates = new(settings.Email.Templates);

    public IReadOnlyList<NotificationTarget> Targets { get; } =
        settings.Sms.Enabled ? [new NotificationTarget(Channel, Channel, NotificationSettings.EventsOf(settings.Sms.Events))] : [];

    public async Task<string> DeliverAsync(NotificationTarget target, DeliveryRequest request, CancellationToken cancellationToken)
    {
        await provider.SendAsync(new SmsMessage(request.UserId, request.Event.Id, templates.Render(request.Event).Subject), cancellationToken);
        return "delivered";
    }
}
