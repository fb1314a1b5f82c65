using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace OmniFlow.Fulfillment.Payments;

/// <summary>
/// The development payment provider: remembers every idempotency key in memory and declines captures of payment ids
/// that start with <see cref="DeclinedPrefix"/>, so the failure path can be driven from outside.
/// </summary>
public sealed partial class FakePaymentProvider(ILogger<FakePaymentProvider> logger) : IPaymentProvider
{
    public const string DeclinedPrefix = "declined-";

    private readonly ConcurrentDictionary<string, PaymentReceipt> receipts = new(StringComparer.Ordinal);

    public Task<PaymentReceipt> CaptureAsync(string idempotencyKey, string orderId, string paymentId, decimal amount, CancellationToken cancellationToken = default)
    {
        if (paymentId.StartsWith(DeclinedPrefix, StringComparison.Ordinal))
        {
            throw new PaymentDeclinedException($"Payment {paymentId} was declined by the provider.");
        }

        return Task.FromResult(receipts.GetOrAdd(idempotencyKey, key =>
        {
            LogCaptured(orderId, paymentId, amount);
            return new PaymentReceipt($"cap-{Guid.NewGuid():N}", paymentId, amount);
        }));
    }

    public Task<PaymentReceipt> RefundAsync(string idempotencyKey, string orderId, string paymentId, decimal amount, CancellationToken cancellationToken = default) =>
        Task.FromResult(receipts.GetOrAdd(idempotencyKey, key =>
        {
            LogRefunded(orderId, paymentId, amount);
            return new PaymentReceipt($"ref-{Guid.NewGuid():N}", paymentId, amount);
        }));

    [LoggerMessage(Level = LogLevel.Information, Message = "Captured payment {PaymentId} of {Amount} for order {OrderId}")]
    private partial void LogCaptured(string orderId, string paymentId, decimal amount);

    [LoggerMessage(Level = LogLevel.Information, Message = "Refunded payment {PaymentId} of {Amount} for order {OrderId}")]
    private partial void LogRefunded(string orderId, string paymentId, decimal amount);
}
