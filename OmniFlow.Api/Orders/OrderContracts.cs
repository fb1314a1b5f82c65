using System.Text.Json.Serialization;
using OmniFlow.Api.Infrastructure;
using OmniFlow.Fulfillment.Orders;

namespace OmniFlow.Api.Orders;

/// <summary>
/// <c>{"user_id": "u-42", "items": ["iPhone15", {"sku": "X", "quantity": 2}], "amount": 100}</c>. The server prices the
/// order; <c>amount</c> is optional and, when sent, must equal that price.
/// </summary>
public sealed record CreateOrderRequest(string? UserId, IReadOnlyList<OrderItemRequest>? Items, decimal? Amount)
{
    public const int MaxUserId = 128;
    public const int MaxItems = 50;
    public const int MaxQuantity = 1_000;
    public const decimal MaxAmount = 1_000_000_000m;

    // Built once: a valid order, the crowd's every request, formats no message.
    private static readonly string UserIdRule = Validation.PlainTextRule("user_id, when given,", MaxUserId);
    private static readonly string QuantityRule = $"The quantity must be between 1 and {MaxQuantity}.";
    private static readonly string MaxAmountRule = $"The amount must be at most {MaxAmount}.";

    public Validation Validate()
    {
        var validation = new Validation();
        validation.Require(UserId is null || Validation.IsPlainText(UserId, MaxUserId), "user_id", UserIdRule);
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

                if (!Validation.IsSku(item.Sku))
                {
                    validation.Add($"items[{i}].sku", "The sku must match [A-Za-z0-9_-]{1,64}.");
                }

                if (item.Quantity is not (>= 1 and <= MaxQuantity))
                {
                    validation.Add($"items[{i}].quantity", QuantityRule);
                }
            }
        }

        validation.Require(Amount is null or > 0, "amount", "The amount, when given, must be greater than 0.");
        validation.Require(Amount is null or <= MaxAmount, "amount", MaxAmountRule);
        validation.Require(Amount is not { } amount || Validation.IsCents(amount), "amount", "The amount must have at most 2 decimal places.");
        return validation;
    }
}

/// <summary>One item: a sku string (quantity 1) or an object with sku and quantity.</summary>
[JsonConverter(typeof(OrderItemRequestConverter))]
public sealed record OrderItemRequest(string Sku, int Quantity);

public sealed record OrderAccepted(string Message, string OrderId, string RunId);

public sealed record PaymentRequest(string? PaymentId, decimal? Amount)
{
    public const int MaxPaymentId = 128;

    private static readonly string PaymentIdRule = Validation.PlainTextRule("payment_id", MaxPaymentId);

    public Validation Validate()
    {
        var validation = new Validation();
        validation.Require(Validation.IsPlainText(PaymentId, MaxPaymentId), "payment_id", PaymentIdRule);
        validation.Require(Amount is > 0 and <= CreateOrderRequest.MaxAmount, "amount", "The amount is required and must be greater than 0.");
        return validation;
    }
}

public sealed record AuditRequest(bool? Approved, string? Reason)
{
    public const int MaxReason = 500;

    private static readonly string ReasonRule = Validation.PlainTextRule("reason, when given,", MaxReason);

    public Validation Validate()
    {
        var validation = new Validation();
        validation.Require(Approved is not null, "approved", "approved (true or false) is required.");
        validation.Require(Reason is null || Validation.IsPlainText(Reason, MaxReason), "reason", ReasonRule);
        return validation;
    }
}

public sealed record TimelineResponse(DateTime At, string Event);

public sealed record OrderResponse(
    string OrderId,
    OrderStatus Status,
    IReadOnlyList<OrderItem> Items,
    decimal Amount,
    string? UserId,
    DateTime? PaymentDeadline,
    IReadOnlyList<TimelineResponse> Timeline,
    string? Reason)
{
    public static OrderResponse From(OrderView view) => new(
        view.OrderId,
        view.Status,
        view.Items,
        view.Amount,
        view.UserId,
        view.PaymentDeadline,
        [.. view.Timeline.Select(entry => new TimelineResponse(entry.At, entry.Event))],
        view.Reason);
}

public sealed record OrderList(int Total, IReadOnlyList<OrderResponse> Orders);
