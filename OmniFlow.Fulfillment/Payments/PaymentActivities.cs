using Temporalio.Activities;
using Temporalio.Exceptions;

namespace OmniFlow.Fulfillment.Payments;

public sealed record CapturePaymentRequest(string OrderId, string PaymentId, decimal Amount);

public sealed record RefundPaymentRequest(string OrderId, string PaymentId, decimal Amount, string Reason);

/// <summary>Capture and refund through the provider, keyed by order id and step so a retried activity moves money once.</summary>
public sealed class PaymentActivities(IPaymentProvider provider)
{
    public const string Capture = "CapturePayment";
    public const string Refund = "RefundPayment";
    public const string DeclinedErrorType = "PaymentDeclined";

    [Activity(Capture)]
    public async Task<PaymentReceipt> CapturePaymentAsync(CapturePaymentRequest request)
    {
        try
        {
            return await provider.CaptureAsync($"{request.OrderId}:capture", request.OrderId, request.PaymentId, request.Amount,
                ActivityExecutionContext.Current.CancellationToken);
        }
        catch (PaymentDeclinedException declined)
        {
            throw new ApplicationFailureException(declined.Message, DeclinedErrorType, nonRetryable: true);
        }
    }

    [Activity(Refund)]
    public Task<PaymentReceipt> RefundPaymentAsync(RefundPaymentRequest request) =>
        provider.RefundAsync($"{request.OrderId}:refund:{request.PaymentId}", request.OrderId, request.PaymentId, request.Amount,
            ActivityExecutionContext.Current.CancellationToken);
}
