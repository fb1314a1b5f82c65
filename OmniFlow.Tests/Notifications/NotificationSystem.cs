using System.Net;
using System.Text.Json;
using OmniFlow.Tests.Api;

namespace OmniFlow.Tests.Notifications;

/// <summary>
/// The whole system (<see cref="OmniFlowSystem"/>) with every notification channel on: two webhooks on a real HTTP
/// listener (<c>live</c>, and <c>dead</c>, which answers 503 and takes only order.admitted), mail to a real SMTP
/// server, SMS through the logging provider. The clock is real (these tests never unlock time skipping): orders wait
/// fifteen seconds for their payment (a loaded machine can take seconds to move a fresh Worker's first order to
/// PENDING_PAYMENT, and the deadline counts from the reservation's start), the reminder comes three seconds before the
/// deadline, and a delivery is retried (every second at most) for ten seconds.
/// </summary>
public sealed class NotificationSystem : OmniFlowSystem
{
    public const string LiveSecret = "live-webhook-secret";
    public const string DeadSecret = "dead-webhook-secret";
    public static readonly TimeSpan RetryHorizon = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan PaymentTimeout = TimeSpan.FromSeconds(15);
    public static readonly TimeSpan ReminderBefore = TimeSpan.FromSeconds(3);

    public WebhookReceiver Webhooks { get; } = new();

    public SmtpSink Smtp { get; } = new();

    protected override IReadOnlyList<string> ExtraSettings =>
    [
        $"--Notifications:Webhooks:0:Url={Webhooks.BaseUrl}/live",
        $"--Notifications:Webhooks:0:Secret={LiveSecret}",
        $"--Notifications:Webhooks:1:Url={Webhooks.BaseUrl}/dead",
        $"--Notifications:Webhooks:1:Secret={DeadSecret}",
        "--Notifications:Webhooks:1:Events=order.admitted",
        "--Notifications:Email:Smtp:Host=127.0.0.1",
        $"--Notifications:Email:Smtp:Port={Smtp.Port}",
        "--Notifications:Email:Smtp:Security=None",
        "--Notifications:Email:From=shop@omniflow.test",
        "--Notifications:Email:To=ops@omniflow.test",
        "--Notifications:Sms:Enabled=true",
        $"--Notifications:RetryHorizon={RetryHorizon}",
        "--Notifications:MaximumRetryInterval=00:00:01",
        $"--Notifications:PaymentReminderBefore={ReminderBefore}",
        $"--Orders:PaymentTimeout={PaymentTimeout}",
    ];

    protected override async Task<IReadOnlyList<string>> DependencySettingsAsync(string folder)
    {
        await Webhooks.StartAsync();
        Smtp.Start();
        return await base.DependencySettingsAsync(folder);
    }

    /// <summary><c>GET /api/v1/admin/notifications?order_id=</c> with the admin key.</summary>
    public async Task<JsonElement> DeliveriesAsync(string orderId)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/admin/notifications?order_id={Uri.EscapeDataString(orderId)}");
        request.Headers.Add("X-Api-Key", AdminKey);
        using var response = await Http.SendAsync(request, TestContext.Current.CancellationToken);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET notifications answered {(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    /// <summary>Waits (on the real clock: time skipping stays locked) until the workflow has started and closed.</summary>
    public async Task<Temporalio.Client.WorkflowExecutionDescription> WaitForCloseAsync(string workflowId)
    {
        var deadline = DateTime.UtcNow + PaymentTimeout + TimeSpan.FromSeconds(30);
        while (true)
        {
            try
            {
                var description = await Temporal.Client.GetWorkflowHandle(workflowId).DescribeAsync();
                if (description.Status != Temporalio.Api.Enums.V1.WorkflowExecutionStatus.Running)
                {
                    return description;
                }
            }
            catch (Temporalio.Exceptions.RpcException error) when (error.Code == Temporalio.Exceptions.RpcException.StatusCode.NotFound)
            {
                // Not started yet.
            }

            Assert.True(DateTime.UtcNow < deadline, $"{workflowId} is still running");
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>Waits until the <paramref name="endpoint"/> webhook has been answered 2xx for <paramref name="eventId"/>.</summary>
    public async Task WaitForWebhookAsync(string endpoint, string eventId)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!Webhooks.Received(endpoint).Any(hook => hook.EventId == eventId && hook.Answered == 200))
        {
            Assert.True(DateTime.UtcNow < deadline, $"{endpoint} never got {eventId}");
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await Webhooks.DisposeAsync();
        await Smtp.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class NotificationCollection : ICollectionFixture<NotificationSystem>
{
    public const string Name = "OmniFlow system with notifications";
}
