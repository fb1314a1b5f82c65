using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace OmniFlow.Fulfillment.Notifications;

/// <summary>
/// Webhooks (<c>Notifications:Webhooks:N</c>): each delivery is a POST of the event's JSON with its stable id in
/// <c>X-OmniFlow-Event-Id</c> and <c>X-OmniFlow-Signature: sha256=&lt;hex HMAC-SHA256 of the raw body&gt;</c>; any answer
/// but a 2xx fails the attempt.
/// </summary>
public sealed class WebhookChannel(NotificationSettings settings, HttpClient http) : INotificationChannel
{
    public const string Channel = "webhook";
    public const string EventIdHeader = "X-OmniFlow-Event-Id";
    public const string SignatureHeader = "X-OmniFlow-Signature";

    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public IReadOnlyList<NotificationTarget> Targets { get; } =
        [.. settings.Webhooks.Select((webhook, i) => new NotificationTarget(TargetName(i), Channel, NotificationSettings.EventsOf(webhook.Events)))];

    public static string TargetName(int index) => $"{Channel}-{index}";

    public async Task<string> DeliverAsync(NotificationTarget target, DeliveryRequest request, CancellationToken cancellationToken)
    {
        var webhook = settings.Webhooks[Targets.Select(t => t.Name).ToList().IndexOf(target.Name)];
        var body = Body(request.Event);
        using var post = new HttpRequestMessage(HttpMethod.Post, webhook.Url) { Content = new ByteArrayContent(body) };
        post.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        post.Headers.Add(EventIdHeader, request.Event.Id);
        post.Headers.Add(SignatureHeader, Signature(webhook.Secret!, body));
        using var response = await http.SendAsync(post, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new NotificationDeliveryException($"POST {webhook.Url} answered {(int)response.StatusCode} {response.ReasonPhrase}.");
        }

        return "delivered";
    }

    /// <summary>The raw body: <c>{"id", "type", "occurred_at", "order_id", "data"}</c>.</summary>
    public static byte[] Body(OrderEvent e) =>
        JsonSerializer.SerializeToUtf8Bytes(new WebhookBody(e.Id, e.Type, new DateTimeOffset(DateTime.SpecifyKind(e.OccurredAt, DateTimeKind.Utc)), e.OrderId, e.Data), Json);

    public static string Signature(string secret, byte[] body) =>
        $"sha256={Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body))}";

    private sealed record WebhookBody(
        string Id,
        string Type,
        [property: JsonPropertyName("occurred_at")] DateTimeOffset OccurredAt,
        [property: JsonPropertyName("order_id")] string OrderId,
        JsonElement Data);
}

/// <summary>A delivery that did not go through; its attempt is retried.</summary>
public sealed class NotificationDeliveryException(string message) : Exception(message);
