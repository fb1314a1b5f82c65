using Microsoft.AspNetCore.Http.HttpResults;
using OmniFlow.Api.Infrastructure;
using OmniFlow.Fulfillment.Orders;
using OmniFlow.Fulfillment.Payments;
using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using Temporalio.Exceptions;

namespace OmniFlow.Api.Orders;

/// <summary>
/// Delivers payment confirmations and audit decisions. A payment the order can no longer take is answered 409 and
/// refunded: by the workflow itself while it is still on its way (a second payment while PAID or FULFILLING), else, once
/// the order has ended, by a <see cref="LatePaymentRefundWorkflow"/> the Api starts (one per order and payment id, so a
/// repeated webhook refunds once). An order that is compensating still shows its status but takes no payment: the
/// workflow refunds what reaches it then, and the answer is 409 too. The same payment id as the order's own payment is
/// harmless and answered 202.
/// </summary>
public sealed class OrderSignals(OrderReader reader, ITemporalClient temporal, TemporalSettings settings)
{
    public async Task<Results<Accepted<Delivered>, ValidationProblem, ProblemHttpResult>> PayAsync(string orderId, PaymentRequest payment, CancellationToken cancellationToken)
    {
        var sighting = await reader.FindAsync(orderId, cancellationToken);
        if (sighting is null)
        {
            return ApiProblems.NotFound($"There is no order '{orderId}'.");
        }

        var signal = new PaymentSignal(payment.PaymentId!, payment.Amount!.Value);
        var view = sighting.View;
        if (sighting.Running && !view.Status.IsTerminal() && await TrySignalAsync(orderId, workflow => workflow.PayAsync(signal), cancellationToken))
        {
            return (view.Status.IsPayable() && !view.Ending) || view.PaymentId == signal.PaymentId
                ? Delivered("payment delivered", orderId)
                : NotPayable(view);
        }

        if (KnewPayment(view, signal.PaymentId))
        {
            return Delivered("payment already received", orderId);
        }

        var ended = view.Status.IsTerminal() ? view : (await reader.FindAsync(orderId, cancellationToken))?.View ?? view;
        await StartLateRefundAsync(orderId, signal, ended.Status);
        return NotPayable(ended);
    }

    public async Task<Results<Accepted<Delivered>, ValidationProblem, ProblemHttpResult>> AuditAsync(string orderId, AuditRequest audit, CancellationToken cancellationToken)
    {
        var sighting = await reader.FindAsync(orderId, cancellationToken);
        if (sighting is null)
        {
            return ApiProblems.NotFound($"There is no order '{orderId}'.");
        }

        if (!sighting.Running || sighting.View.Status != OrderStatus.AwaitingAudit)
        {
            return ApiProblems.Conflict($"Order '{orderId}' is {sighting.View.Status.ToWire()}, not awaiting an audit.");
        }

        var decision = new AuditDecision(audit.Approved!.Value, audit.Reason);
        return await TrySignalAsync(orderId, workflow => workflow.AuditAsync(decision), cancellationToken)
            ? Delivered("audit decision delivered", orderId)
            : ApiProblems.Conflict($"Order '{orderId}' is no longer awaiting an audit.");
    }

    private static Accepted<Delivered> Delivered(string message, string orderId) => TypedResults.Accepted((string?)null, new Delivered(message, orderId));

    private static ProblemHttpResult NotPayable(OrderView view) =>
        ApiProblems.Conflict($"Order '{view.OrderId}' is {view.Status.ToWire()} and no longer payable; the payment will be refunded.");

    /// <summary>The stored timeline names every payment the order accepted.</summary>
    private static bool KnewPayment(OrderView view, string paymentId) =>
        view.PaymentId == paymentId || view.Timeline.Any(entry => entry.Event == $"payment {paymentId} received");

    /// <summary>False when the workflow ended before the signal reached it.</summary>
    private async Task<bool> TrySignalAsync(string orderId, System.Linq.Expressions.Expression<Func<OrderWorkflow, Task>> signal, CancellationToken cancellationToken)
    {
        try
        {
            await reader.Handle(orderId).SignalAsync(signal, new() { Rpc = new() { CancellationToken = cancellationToken } });
            return true;
        }
        catch (RpcException error) when (error.Code == RpcException.StatusCode.NotFound)
        {
            return false;
        }
    }

    private async Task StartLateRefundAsync(string orderId, PaymentSignal payment, OrderStatus status)
    {
        try
        {
            await temporal.StartWorkflowAsync(
                (LatePaymentRefundWorkflow workflow) => workflow.RunAsync(new LatePayment(orderId, payment.PaymentId, payment.Amount, status.ToWire())),
                new WorkflowOptions(LatePaymentRefundWorkflow.WorkflowId(orderId, payment.PaymentId), settings.TaskQueue)
                {
                    IdReusePolicy = WorkflowIdReusePolicy.RejectDuplicate,
                    IdConflictPolicy = WorkflowIdConflictPolicy.Fail,
                });
        }
        catch (WorkflowAlreadyStartedException)
        {
            // This payment is already being (or was) refunded.
        }
    }
}
