using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using OmniFlow.Api.Infrastructure;
using OmniFlow.Api.Security;
using OmniFlow.Fulfillment.Notifications;
using OmniFlow.Fulfillment.Persistence;

namespace OmniFlow.Api.Admin;

public sealed record NotificationDeliveryResponse(
    string EventId, string Type, string Channel, string Target, DateTimeOffset OccurredAt, int Attempts, string LastStatus, string? LastError, DateTimeOffset? LastAttemptAt)
{
    public static NotificationDeliveryResponse From(NotificationDelivery row) => new(
        row.EventId, row.EventType, row.Channel, row.Target, row.OccurredAt, row.Attempts, row.Status, row.LastError, row.Attempts > 0 ? row.LastAttemptAt : null);
}

public sealed record NotificationDeliveryList(string OrderId, IReadOnlyList<NotificationDeliveryResponse> Deliveries);

/// <summary>Admin: an order's notification deliveries, one per event and target, with their attempts and last status.</summary>
public static class NotificationsApi
{
    public const int MaxOrderId = 64;

    public static RouteGroupBuilder MapNotificationsApi(this RouteGroupBuilder api)
    {
        api.MapGroup("/admin/notifications").WithTags("Notifications").RequireAdminKey()
            .MapGet("/", ListAsync).WithName("ListNotifications")
            .WithSummary("An order's notification deliveries, one per event and target.")
            .Answers(StatusCodes.Status400BadRequest, $"order_id is missing or longer than {MaxOrderId} characters.")
            .Answers(StatusCodes.Status503ServiceUnavailable, "The database is unavailable.");
        return api;
    }

    public static async Task<Results<Ok<NotificationDeliveryList>, ValidationProblem>> ListAsync(
        NotificationStore store, [FromQuery(Name = "order_id")] string? orderId, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(orderId) || orderId.Length > MaxOrderId)
        {
            return ApiProblems.Invalid(new Dictionary<string, string[]> { ["order_id"] = [$"order_id is required, at most {MaxOrderId} characters."] });
        }

        var deliveries = await store.ListAsync(orderId, cancellationToken);
        return TypedResults.Ok(new NotificationDeliveryList(orderId, [.. deliveries.Select(NotificationDeliveryResponse.From)]));
    }
}
