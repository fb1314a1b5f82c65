using OmniFlow.Fulfillment.Orders;
using OmniFlow.Fulfillment.Persistence;
using Temporalio.Client;
using Temporalio.Exceptions;

namespace OmniFlow.Api.Orders;

/// <summary>What became of the order an earlier request claimed an Idempotency-Key for.</summary>
/// <param name="Order">The order the key maps to; null when the claim was withdrawn or is still undecided.</param>
/// <param name="RunId">Its workflow's run id, empty when unknown.</param>
/// <param name="Pending">The earlier request is still admitting its order (it neither started nor withdrew in time).</param>
public sealed record EarlierClaim(StoredOrder? Order, string RunId, bool Pending)
{
    public static readonly EarlierClaim Withdrawn = new(null, string.Empty, false);
    public static readonly EarlierClaim Undecided = new(null, string.Empty, true);
}

/// <summary>
/// One order per Idempotency-Key: the first request claims the key with a row for its new order id (unique index on
/// the key) before the gate is asked; it then starts the order's workflow, or withdraws the claim (deletes the row) when
/// the gate turns it away. A concurrent request with the same key waits for that claim to be decided.
/// </summary>
public sealed partial class IdempotencyKeys(IOrderStore orders, ITemporalClient temporal, TimeProvider time, ILogger<IdempotencyKeys> logger)
{
    /// <summary>How long a request waits for an earlier request with its key to start or withdraw its order.</summary>
    public static readonly TimeSpan WaitForEarlier = TimeSpan.FromSeconds(10);

    /// <summary>
    /// A claim is decided within seconds. A row without a workflow that is older than this is an order whose workflow
    /// history is gone (or whose Api died before starting it), not a claim to wait for.
    /// </summary>
    public static readonly TimeSpan ClaimLifetime = TimeSpan.FromSeconds(30);

    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);

    /// <summary>Stores <paramref name="claim"/> unless the key is taken; the row the key maps to, or null when the database failed.</summary>
    public async Task<StoredOrder?> ClaimAsync(StoredOrder claim)
    {
        try
        {
            return await orders.CreateOrGetAsync(claim, CancellationToken.None);
        }
        catch (Exception error) when (error is not OperationCanceledException)
        {
            LogClaimFailed(claim.OrderId, error.Message);
            return null;
        }
    }

    /// <summary>Frees the key again: the claimed order was turned away before anything started.</summary>
    public async Task WithdrawAsync(string orderId)
    {
        try
        {
            await orders.DeleteAsync(orderId, CancellationToken.None);
        }
        catch (Exception error) when (error is not OperationCanceledException)
        {
            LogWithdrawFailed(orderId, error.Message);
        }
    }

    /// <summary>The claimed order could not be started: the key keeps mapping to it, as FAILED.</summary>
    public async Task MarkNotStartedAsync(StoredOrder claim)
    {
        var now = time.GetUtcNow();
        try
        {
            await orders.SaveAsync(
                claim with { Status = OrderStatus.Failed.ToWire(), Timeline = [.. claim.Timeline, new OrderTimelineEvent(now, "the order could not be started")], UpdatedAt = now },
                CancellationToken.None);
        }
        catch (Exception error) when (error is not OperationCanceledException)
        {
            LogClaimFailed(claim.OrderId, error.Message);
        }
    }

    /// <summary>Waits (up to <see cref="WaitForEarlier"/>) until the order <paramref name="earlier"/> claimed has started or was withdrawn.</summary>
    public async Task<EarlierClaim> SettleAsync(StoredOrder earlier, CancellationToken cancellationToken)
    {
        var deadline = time.GetUtcNow() + WaitForEarlier;
        StoredOrder? current = earlier;
        while (current is not null)
        {
            if (current.Status == OrderStatus.Failed.ToWire())
            {
                return new EarlierClaim(current, string.Empty, false);
            }

            if (await RunIdAsync(current.OrderId, cancellationToken) is { } runId)
            {
                return new EarlierClaim(current, runId, false);
            }

            var now = time.GetUtcNow();
            if (now - current.CreatedAt > ClaimLifetime)
            {
                return new EarlierClaim(current, string.Empty, false);
            }

            if (now > deadline)
            {
                return EarlierClaim.Undecided;
            }

            await Task.Delay(PollInterval, time, cancellationToken);
            current = await orders.GetAsync(current.OrderId, cancellationToken);
        }

        return EarlierClaim.Withdrawn;
    }

    /// <summary>The run id of the order's workflow; null when it has not started (or Temporal cannot say).</summary>
    private async Task<string?> RunIdAsync(string orderId, CancellationToken cancellationToken)
    {
        try
        {
            var description = await temporal.GetWorkflowHandle(orderId).DescribeAsync(new()
            {
                Rpc = new() { CancellationToken = cancellationToken, Timeout = TimeSpan.FromSeconds(2) },
            });
            return description.RunId;
        }
        catch (RpcException)
        {
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The Idempotency-Key row of order {OrderId} could not be written: {Reason}")]
    private partial void LogClaimFailed(string orderId, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "The Idempotency-Key claim of order {OrderId}, turned away by the gate, could not be withdrawn: {Reason}")]
    private partial void LogWithdrawFailed(string orderId, string reason);
}
