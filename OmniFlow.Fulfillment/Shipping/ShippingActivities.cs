using OmniFlow.Fulfillment.Inventory;
using Temporalio.Activities;
using Temporalio.Exceptions;

namespace OmniFlow.Fulfillment.Shipping;

public sealed record ShipmentRequest(string OrderId, string Warehouse, IReadOnlyList<StockLine> Lines, int MaximumAttempts = 3);

public sealed record ShipmentResult(string Warehouse, string TrackingNumber);

public sealed class ShippingActivities(ICarrier carrier)
{
    public const string Ship = "Ship";
    public const string RejectedErrorType = "ShipmentRejected";

    [Activity(Ship)]
    public async Task<ShipmentResult> ShipAsync(ShipmentRequest request)
    {
        try
        {
            var tracking = await carrier.ShipAsync(ShipmentWorkflow.ChildId(request.OrderId, request.Warehouse), request.OrderId, request.Warehouse,
                request.Lines, ActivityExecutionContext.Current.CancellationToken);
            return new ShipmentResult(request.Warehouse, tracking);
        }
        catch (ShipmentRejectedException rejected)
        {
            throw new ApplicationFailureException(rejected.Message, RejectedErrorType, nonRetryable: true);
        }
    }
}
