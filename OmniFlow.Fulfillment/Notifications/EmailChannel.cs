using System.Security.Cryptography;
using System.Text;
using MailKit.Net.Smtp;
using MimeKit;

namespace OmniFlow.Fulfillment.Notifications;

/// <summary>
/// Email over SMTP (MailKit), one mail per event from its template, to <c>Notifications:Email:To</c> and to the buyer
/// when the order's user id is a mail address. Its Message-Id is derived from the event id, so a mail sent again by a
/// retry is recognisably the same mail.
/// </summary>
public sealed class EmailChannel(NotificationSettings settings) : INotificationChannel
{
    public const string Channel = "email";

    private readonly EmailSettings email = settings.Email;
    private readonly EmailTemplates templates = new(settings.Email.Templates);

    public IReadOnlyList<NotificationTarget> Targets { get; } =
        settings.Email.IsConfigured ? [new NotificationTarget(Channel, Channel, NotificationSettings.EventsOf(settings.Email.Events))] : [];

    public async Task<string> DeliverAsync(NotificationTarget target, DeliveryRequest request, CancellationToken cancellationToken)
    {
        var recipients = email.Recipients().ToList();
        if (request.UserId is { } userId && userId.Contains('@', StringComparison.Ordinal) && MailboxAddress.TryParse(userId, out var buyer))
        {
            recipients.Add(buyer);
        }

        if (recipients.Count == 0)
        {
            return "skipped: no recipient";
        }

        var (subject, body) = templates.Render(request.Event);
        using var message = new MimeMessage { Subject = subject, Body = new TextPart("plain") { Text = body } };
        message.From.Add(MailboxAddress.Parse(email.From!));
        message.To.AddRange(recipients);
        message.MessageId = $"{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(request.Event.Id)))[..32]}@omniflow";
        message.Headers.Add(WebhookChannel.EventIdHeader, request.Event.Id);

        using var smtp = new SmtpClient { Timeout = 20_000 };
        await smtp.ConnectAsync(email.Smtp.Host!, email.Smtp.Port, email.Smtp.Security, cancellationToken);
        if (!string.IsNullOrEmpty(email.Smtp.Username))
        {
            await smtp.AuthenticateAsync(email.Smtp.Username, email.Smtp.Password ?? "", cancellationToken);
        }

        await smtp.SendAsync(message, cancellationToken);
        await smtp.DisconnectAsync(quit: true, cancellationToken);
        return "delivered";
    }
}
