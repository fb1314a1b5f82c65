using System.Text.RegularExpressions;
using OmniFlow.Fulfillment.Orders;
using OmniFlow.Fulfillment.Persistence;
using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using Temporalio.Exceptions;

namespace OmniFlow.Api.Orders;

/// <summary>An order as it is now: from its workflow's Status query while it runs, from the database afterwards.</summary>
public sealed record OrderSighting(OrderView View, bool Running);

public sealed partial class OrderReader(ITemporalClient temporal, IOrderStore orders)
{
    /// <summary>
    /// How long a read waits for the workflow's answer. A query waits for the workflow task in flight; one held up by a
    /// reservation retrying through a database outage would hold the read for as long, so it gives up and the stored
    /// order answers instead.
    /// </summary>
    public static readonly TimeSpan QueryTimeout = TimeSpan.FromSeconds(10);

    public static bool IsOrderId(string id) => OrderIdPattern().IsMatch(id);

    public WorkflowHandle<OrderWorkflow> Handle(string orderId) => temporal.GetWorkflowHandle<OrderWorkflow>(orderId);

    public async Task<OrderSighting?> FindAsync(string orderId, CancellationToken cancellationToken)
    {
        if (!IsOrderId(orderId))
        {
            return null;
        }

        // One round trip: a running workflow answers the query; a closed one is refused without running it.
        var query = new WorkflowQueryOptions
        {
            RejectCondition = QueryRejectCondition.NotOpen,
            Rpc = new() { CancellationToken = cancellationToken, Timeout = QueryTimeout },
        };
        try
        {
            return new OrderSighting(await Handle(orderId).QueryAsync(workflow => workflow.Status(), query), true);
        }
        catch (WorkflowQueryRejectedException)
        {
            // Closed: its last transition is stored.
        }
        catch (RpcException error) when (error.Code == RpcException.StatusCode.NotFound)
        {
            // No history (never existed, or retention removed it): the database knows.
        }
        catch (Exception error) when (error is RpcException or WorkflowQueryFailedException)
        {
            // Temporal or the worker does not answer: the last stored transition is the best answer there is.
            return await StoredAsync(orderId, cancellationToken) is { } stale
                ? new OrderSighting(stale, false)
                : throw new TimeoutException($"Order {orderId} could not be read: {error.Message}", error);
        }

        return await StoredAsync(orderId, cancellationToken) is { } stored ? new OrderSighting(stored, false) : null;
    }

    /// <summary>The run id of the order's workflow; null when Temporal has no history of it (or cannot say).</summary>
    public async Task<string?> RunIdAsync(string orderId, CancellationToken cancellationToken)
    {
        try
        {
            return (await Handle(orderId).DescribeAsync(new() { Rpc = new() { CancellationToken = cancellationToken } })).RunId;
        }
        catch (RpcException)
        {
            return null;
        }
    }

    private async Task<OrderView?> StoredAsync(string orderId, CancellationToken cancellationToken) =>
        await orders.GetAsync(orderId, cancellationToken) is { } stored ? StoredOrders.ToView(stored) : null;

    [GeneratedRegex("^ORDER-[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")]
    private static partial Regex OrderIdPattern();
}
