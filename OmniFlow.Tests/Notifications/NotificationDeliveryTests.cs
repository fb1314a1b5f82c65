using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using OmniFlow.Fulfillment.Notifications;
using OmniFlow.Fulfillment.Orders;
using OmniFlow.Fulfillment.Shipping;
using Temporalio.Client;
using Temporalio.Worker;

namespace OmniFlow.Tests.Notifications;

[Collection(NotificationCollection.Name)]
public sealed class NotificationDeliveryTests(NotificationSystem system)
{
    [Fact]
    public async Task A_paid_order_is_announced_signed_and_in_order_on_every_channel_while_a_dead_endpoint_is_retried_without_holding_it_back()
    {
        await system.PutProductAsync("NOTIFY-PAID", 5);
        system.Webhooks.Answer = (endpoint, eventId, attempt) =>
            endpoint == "dead" ? 503 : eventId.EndsWith("/order.paid", StringComparison.Ordinal) && attempt == 1 ? 500 : 200;

        var orderId = await system.CreateOrderAsync("""{"user_id": "buyer@omniflow.test", "items": ["NOTIFY-PAID"], "amount": 100}""");
        await system.WaitForStatusAsync(orderId, "PENDING_PAYMENT");
        // As a provider does on 503 (no worker answered in time): the same payment again gets the update's answer.
        var payment = await system.PayAsync(orderId, $"pay-{orderId}", 100m);
        for (var attempt = 1; payment.StatusCode == HttpStatusCode.ServiceUnavailable && attempt < 3; attempt++)
        {
            payment = await system.PayAsync(orderId, $"pay-{orderId}", 100m);
        }

        Assert.Equal(HttpStatusCode.OK, payment.StatusCode);
        var orderRun = await system.WaitForCloseAsync(orderId);
        var notificationRun = await system.WaitForCloseAsync(NotificationWorkflow.WorkflowId(orderId));

        // The order closed while the dead endpoint was being retried: its delivery was given up only later, at the horizon.
        Assert.Equal(Temporalio.Api.Enums.V1.WorkflowExecutionStatus.Completed, orderRun.Status);
        var history = await system.Temporal.Client.GetWorkflowHandle(NotificationWorkflow.WorkflowId(orderId)).FetchHistoryAsync();
        var givenUpAt = history.Events.Single(e => e.ActivityTaskScheduledEventAttributes?.ActivityType.Name == DeliveryActivities.GiveUp).EventTime.ToDateTime();
        Assert.True(orderRun.CloseTime < givenUpAt, $"the order closed at {orderRun.CloseTime:O}, the dead endpoint was given up at {givenUpAt:O}");
        Assert.True(notificationRun.CloseTime > orderRun.CloseTime);

        string[] expected = [$"{orderId}/order.admitted", $"{orderId}/order.awaiting_payment", $"{orderId}/order.paid", $"{orderId}/order.shipped/SH", $"{orderId}/order.completed"];
        var live = system.Webhooks.Received("live").Where(hook => hook.EventId!.StartsWith(orderId, StringComparison.Ordinal)).ToList();
        Assert.Equal(expected, live.Where(hook => hook.Answered == 200).Select(hook => hook.EventId));
        foreach (var hook in live)
        {
            AssertSigned(hook, NotificationSystem.LiveSecret, orderId);
        }

        // At least once, with a stable id: the paid event, refused once, came again as the same bytes under the same id.
        var paid = live.Where(hook => hook.EventId == $"{orderId}/order.paid").ToList();
        Assert.Equal([500, 200], paid.Select(hook => hook.Answered));
        Assert.Equal(paid[0].Body, paid[1].Body);
        Assert.Equal($"pay-{orderId}", Json(paid[1]).GetProperty("data").GetProperty("payment_id").GetString());
        Assert.Equal("SH", Json(live.Single(hook => hook.EventId == expected[3])).GetProperty("data").GetProperty("warehouse").GetString());

        var dead = system.Webhooks.Received("dead").Where(hook => hook.EventId!.StartsWith(orderId, StringComparison.Ordinal)).ToList();
        Assert.All(dead, hook => AssertSigned(hook, NotificationSystem.DeadSecret, orderId));
        Assert.All(dead, hook => Assert.Equal(503, hook.Answered));
        Assert.Equal([$"{orderId}/order.admitted"], dead.Select(hook => hook.EventId).Distinct());
        Assert.True(dead.Count >= 3, $"the dead endpoint got {dead.Count} posts");

        var mails = system.Smtp.Messages.Where(mail => mail.Headers[WebhookChannel.EventIdHeader]?.StartsWith(orderId, StringComparison.Ordinal) == true).ToList();
        Assert.Equal(expected, mails.Select(mail => mail.Headers[WebhookChannel.EventIdHeader]));
        Assert.Equal($"Order {orderId} received", mails[0].Subject);
        Assert.Equal($"Order {orderId} shipped from SH", mails[3].Subject);
        Assert.All(mails, mail => Assert.Equal(["ops@omniflow.test", "buyer@omniflow.test"], mail.To.Mailboxes.Select(to => to.Address)));
        Assert.Contains("amount: 100", mails[0].TextBody, StringComparison.Ordinal);

        var deliveries = (await system.DeliveriesAsync(orderId)).GetProperty("deliveries").EnumerateArray().ToList();
        JsonElement Delivery(string target, string type) =>
            deliveries.Single(d => d.GetProperty("target").GetString() == target && d.GetProperty("type").GetString() == type);
        Assert.Equal(2, Delivery("webhook-0", NotificationEvents.Paid).GetProperty("attempts").GetInt32());
        Assert.Equal("delivered", Delivery("webhook-0", NotificationEvents.Paid).GetProperty("last_status").GetString());
        var givenUp = Delivery("webhook-1", NotificationEvents.Admitted);
        Assert.Equal("given_up", givenUp.GetProperty("last_status").GetString());
        Assert.Equal(dead.Count(hook => hook.EventId == $"{orderId}/order.admitted"), givenUp.GetProperty("attempts").GetInt32());
        Assert.Contains("503", givenUp.GetProperty("last_error").GetString(), StringComparison.Ordinal);
        Assert.All(deliveries.Where(d => d.GetProperty("channel").GetString() is "email" or "sms"), d => Assert.Equal("delivered", d.GetProperty("last_status").GetString()));
        Assert.Equal(5 + 1 + 5 + 5, deliveries.Count); // live webhook, dead webhook (admitted only), email, SMS

        await ReplayAsync(orderId);
    }

    [Fact]
    public async Task An_unpaid_order_is_reminded_before_its_deadline_and_then_cancelled()
    {
        await system.PutProductAsync("NOTIFY-UNPAID", 5);
        system.Webhooks.Answer = (endpoint, _, _) => endpoint == "dead" ? 503 : 200;

        var orderId = await system.CreateOrderAsync("""{"user_id": "remind@omniflow.test", "items": ["NOTIFY-UNPAID"], "amount": 100}""");
        await system.WaitForCloseAsync(orderId);
        await system.WaitForWebhookAsync("live", $"{orderId}/order.cancelled");
        Assert.Equal("CANCELLED", (await system.GetOrderAsync(orderId)).GetProperty("status").GetString());

        var live = system.Webhooks.Received("live").Where(hook => hook.EventId!.StartsWith(orderId, StringComparison.Ordinal)).Select(Json).ToList();
        Assert.Equal(
            [NotificationEvents.Admitted, NotificationEvents.AwaitingPayment, NotificationEvents.PaymentReminder, NotificationEvents.Cancelled],
            live.Select(body => body.GetProperty("type").GetString()));
        var deadline = live[1].GetProperty("data").GetProperty("payment_deadline").GetDateTimeOffset();
        var reminded = live[2].GetProperty("occurred_at").GetDateTimeOffset();
        Assert.Equal(deadline, live[2].GetProperty("data").GetProperty("payment_deadline").GetDateTimeOffset());
        // The reminder's time is the workflow task's that ran after its timer: on a loaded machine a second or two late.
        Assert.InRange(reminded, deadline - NotificationSystem.ReminderBefore, deadline - NotificationSystem.ReminderBefore + TimeSpan.FromSeconds(2));
        Assert.Equal("payment timed out", live[3].GetProperty("data").GetProperty("reason").GetString());
        await WaitForMailAsync($"{orderId}/order.cancelled");
        Assert.Contains(
            system.Smtp.Messages,
            mail => mail.Headers[WebhookChannel.EventIdHeader] == $"{orderId}/order.payment_reminder" && mail.Subject!.StartsWith($"Reminder: order {orderId}", StringComparison.Ordinal));
        await ReplayAsync(orderId);

        // A payment after the order closed is refunded by its own workflow; the order's notification workflow (a new run
        // of it) announces the refund, to the buyer too.
        Assert.Equal(HttpStatusCode.Conflict, (await system.PayAsync(orderId, "pay-late", 100m)).StatusCode);
        var refundId = $"{orderId}/payment.refunded/pay-late";
        await system.WaitForWebhookAsync("live", refundId);
        await WaitForMailAsync(refundId);
        var refunded = Json(system.Webhooks.Received("live").Single(hook => hook.EventId == refundId));
        Assert.Equal(NotificationEvents.Refunded, refunded.GetProperty("type").GetString());
        Assert.Equal("order CANCELLED", refunded.GetProperty("data").GetProperty("reason").GetString());
        var refundMail = Assert.Single(system.Smtp.Messages, mail => mail.Headers[WebhookChannel.EventIdHeader] == refundId);
        Assert.Equal(["ops@omniflow.test", "remind@omniflow.test"], refundMail.To.Mailboxes.Select(to => to.Address));
    }

    [Fact]
    public async Task The_deliveries_endpoint_takes_the_admin_key_and_an_order_id()
    {
        var token = TestContext.Current.CancellationToken;
        Assert.Equal(HttpStatusCode.Unauthorized, (await system.Http.GetAsync("/api/v1/admin/notifications?order_id=ORDER-1", token)).StatusCode);

        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/admin/notifications");
        request.Headers.Add("X-Api-Key", NotificationSystem.AdminKey);
        using var missing = await system.Http.SendAsync(request, token);
        var problem = await Api.Problems.AssertProblemAsync(missing, HttpStatusCode.BadRequest);
        Assert.Contains("order_id", problem.ToString(), StringComparison.Ordinal);

        var none = await system.DeliveriesAsync("ORDER-never");
        Assert.Empty(none.GetProperty("deliveries").EnumerateArray());
    }

    private async Task WaitForMailAsync(string eventId)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!system.Smtp.Messages.Any(mail => mail.Headers[WebhookChannel.EventIdHeader] == eventId))
        {
            Assert.True(DateTime.UtcNow < deadline, $"no mail for {eventId}");
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }

    private static JsonElement Json(ReceivedWebhook hook) => JsonDocument.Parse(hook.Body).RootElement.Clone();

    /// <summary>The signature is the HMAC-SHA256 of the raw body with the endpoint's secret, and the body is the event under its header's id.</summary>
    private static void AssertSigned(ReceivedWebhook hook, string secret, string orderId)
    {
        Assert.Equal($"sha256={Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), hook.Body))}", hook.Signature);
        var body = Json(hook);
        Assert.Equal(["id", "type", "occurred_at", "order_id", "data"], body.EnumerateObject().Select(field => field.Name));
        Assert.Equal(hook.EventId, body.GetProperty("id").GetString());
        Assert.Equal(orderId, body.GetProperty("order_id").GetString());
        Assert.Equal(JsonValueKind.Object, body.GetProperty("data").ValueKind);
    }

    private async Task ReplayAsync(string orderId)
    {
        var replayer = new WorkflowReplayer(new WorkflowReplayerOptions()
            .AddWorkflow<OrderWorkflow>()
            .AddWorkflow<ShipmentWorkflow>()
            .AddWorkflow<NotificationWorkflow>());
        foreach (var id in new[] { orderId, NotificationWorkflow.WorkflowId(orderId) })
        {
            await replayer.ReplayWorkflowAsync(await system.Temporal.Client.GetWorkflowHandle(id).FetchHistoryAsync());
        }
    }
}
