using System.Text.Json.Serialization;
using OmniFlow.Api.Infrastructure;
using OmniFlow.Fulfillment.Orders;

namespace OmniFlow.Api.Orders;

/// <summary><c>{"user_id": "u-42", "items": ["iPhone15", {"sku": "X", "quantity": 2}], "amount": 100}</c></summary>
public sealed record CreateOrderRequest(string? UserId, IReadOnlyList<OrderItemRequest>? Items, decimal? Amount)
{
    public const int MaxItems = 50;
    public const int MaxQuantity = 1_000;
    public const decimal MaxAmount = 1_000_000_000m;

    public Validation Validate()
    {
        var validation = new Validation();
        validation.Require(UserId is null || (UserId.Length is > 0 and <= 128 && !string.IsNullOrWhiteSpace(UserId)), "user_id",
            "The user_id, when given, must be 1 to 128 characters.");
        if (Items is null || Items.Count == 0)
        {
            validation.Add("items", "At least one item is required.");
        }
        else if (Items.Count > MaxItems)
        {
            validation.Add("items", $"At most {MaxItems} items are allowed.");
        }
        else
        {
            for (var i = 0; i < Items.Count; i++)
            {
                var item = Items[i];
                if (item is null)
                {
                    validation.Add($"items[{i}]", "An item must be a sku or {\"sku\", \"quantity\"}.");
                    continue;
                }

                validation.Require(Validation.IsSku(item.Sku), $"items[{i}].sku", "The sku must match [A-Za-z0-9_-]{1,64}.");
                validation.Require(item.Quantity is >= 1 and <= MaxQuantity, $"items[{i}].quantity", $"The quantity must be between 1 and {MaxQuantity}.");
            }
        }

        validation.Require(Amount is not null, "amount", "The amount is required.");
        validation.Require(Amount is null or > 0, "amount", "The amount must be greater than 0.");
        validation.Require(Amount is null or <= MaxAmount, "amount", $"The amount must be at most {MaxAmount}.");
        return validation;
    }
}

/// <summary>One item: a sku string (quantity 1) or an object with sku and quantity.</summary>
[JsonConverter(typeof(OrderItemRequestConverter))]
public sealed record OrderItemRequest(string Sku, int Quantity);

public sealed record OrderAccepted(string Message, string OrderId, string RunId);

public sealed record PaymentRequest(string? PaymentId, decimal? Amount)
{
    public Validation Validate()
    {
        var validation = new Validation();
        validation.Require(!string.IsNullOrWhiteSpace(PaymentId) && PaymentId.Length <= 128, "payment_id", "The payment_id is required (at most 128 characters).");
        validation.Require(Amount is > 0 and <= CreateOrderRequest.MaxAmount, "amount", "The amount is required and must be greater than 0.");
        return validation;
    }
}

public sealed record AuditRequest(bool? Approved, string? Reason)
{
    public Validation Validate()
    {
        var validation = new Validation();
        validation.Require(Approved is not null, "approved", "approved (true or false) is required.");
        validation.Require(Reason is null || Reason.Length <= 500, "reason", "The reason must be at most 500 characters.");
        return validation;
    }
}

public sealed record OrderItemResponse(string Sku, int Quantity, string Warehouse);

public sealed record TimelineResponse(DateTime At, string Event);

public sealed record OrderResponse(
    string OrderId,
    OrderStatus Status,
    IReadOnlyList<OrderItemResponse> Items,
    decimal Amount,
    string? UserId,
    DateTime? PaymentDeadline,
    IReadOnlyList<TimelineResponse> Timeline,
    string? Reason)
{
    public static OrderResponse From(OrderView view) => new(
        view.OrderId,
        view.Status,
        [.. view.Items.Select(item => new OrderItemResponse(item.Sku, item.Quantity, item.Warehouse))],
        view.Amount,
        view.UserId,
        view.PaymentDeadline,
        [.. view.Timeline.Select(entry => new TimelineResponse(entry.At, entry.Event))],
        view.Reason);
}

public sealed record OrderList(int Total, IReadOnlyList<OrderResponse> Orders);
