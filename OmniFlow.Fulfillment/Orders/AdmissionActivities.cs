using OmniFlow.Fulfillment.Admission;
using Temporalio.Activities;

namespace OmniFlow.Fulfillment.Orders;

/// <summary>
/// Gives an order's admission back to the gate. Runs on the gate task queue (<c>Temporal:GateTaskQueue</c>),
/// served by the Api process, which owns the gate; the gate's release is idempotent per order id.
/// </summary>
public sealed class AdmissionActivities(IAdmissionGate gate)
{
    public const string ReleaseAdmission = "ReleaseAdmission";

    [Activity(ReleaseAdmission)]
    public Task<bool> ReleaseAdmissionAsync(string orderId) =>
        gate.ReleaseAsync(orderId, ActivityExecutionContext.Current.CancellationToken);
}
