namespace OmniFlow.Fulfillment.Payments;

/// <summary>
/// The payment service provider. Every call carries an idempotency key: a repeated key returns the first answer
/// and moves no money twice (as real providers do).
/// </summary>
public interface IPaymentProvider
{
    /// <summary>Captures a confirmed payment; throws <see cref="PaymentDeclinedException"/> when the provider refuses it.</summary>
    Task<PaymentReceipt> CaptureAsync(string idempotencyKey, string orderId, string paymentId, decimal amount, CancellationToken cancellationToken = default);

    /// <summary>Gives the money of a payment back.</summary>
    Task<PaymentReceipt> RefundAsync(string idempotencyKey, string orderId, string paymentId, decimal amount, CancellationToken cancellationToken = default);
}

public sealed record PaymentReceipt(string Reference, string PaymentId, decimal Amount);

/// <summary>The provider refused the operation for good; retrying will not help.</summary>
public sealed class PaymentDeclinedException(string message) : Exception(message);
