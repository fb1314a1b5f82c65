using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using OmniFlow.Fulfillment.Notifications;

namespace OmniFlow.Tests.Notifications;

/// <summary>One POST as the receiver got it: the raw body and the two OmniFlow headers.</summary>
public sealed record ReceivedWebhook(string Endpoint, string? EventId, string? Signature, byte[] Body, int Answered)
{
    /// <summary>The signature is <c>sha256=</c> and the hex HMAC-SHA256 of the raw body with <paramref name="secret"/>.</summary>
    public bool IsSignedWith(string secret) =>
        Signature == $"sha256={Convert.ToHexStringLower(System.Security.Cryptography.HMACSHA256.HashData(System.Text.Encoding.UTF8.GetBytes(secret), Body))}";
}

/// <summary>
/// A real HTTP listener on 127.0.0.1 for webhooks: <c>POST /{endpoint}</c> is recorded and answered with what
/// <see cref="Answer"/> says for that endpoint, event id and attempt (counted per endpoint and event id from 1).
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly ConcurrentQueue<ReceivedWebhook> received = new();
    private readonly ConcurrentDictionary<(string, string), int> attempts = new();
    private WebApplication? app;

    public Func<string, string, int, int> Answer { get; set; } = (_, _, _) => StatusCodes.Status200OK;

    public string BaseUrl { get; private set; } = "";

    public IReadOnlyList<ReceivedWebhook> Received(string endpoint) => [.. received.Where(hook => hook.Endpoint == endpoint)];

    public async Task StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        app = builder.Build();
        app.MapPost("/{endpoint}", async (string endpoint, HttpRequest request) =>
        {
            using var body = new MemoryStream();
            await request.Body.CopyToAsync(body);
            var eventId = request.Headers[WebhookChannel.EventIdHeader].ToString();
            var attempt = attempts.AddOrUpdate((endpoint, eventId), 1, (_, n) => n + 1);
            var status = Answer(endpoint, eventId, attempt);
            received.Enqueue(new ReceivedWebhook(endpoint, eventId, request.Headers[WebhookChannel.SignatureHeader].ToString(), body.ToArray(), status));
            return Results.StatusCode(status);
        });
        await app.StartAsync();
        BaseUrl = app.Urls.First();
    }

    public async ValueTask DisposeAsync()
    {
        if (app is not null)
        {
            await app.DisposeAsync();
        }
    }
}
