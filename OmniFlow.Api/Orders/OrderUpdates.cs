using System.Linq.Expressions;
using Microsoft.AspNetCore.Http.HttpResults;
using OmniFlow.Api.Infrastructure;
using OmniFlow.Fulfillment.Notifications;
using OmniFlow.Fulfillment.Orders;
using OmniFlow.Fulfillment.Payments;
using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using Temporalio.Exceptions;

namespace OmniFlow.Api.Orders;

/// <summary>
/// Payment confirmations and audit decisions, each a Workflow Update of the order so that its answer is definite. A
/// payment's update id is derived from its payment id: a provider's retries are one update and get one answer. A payment
/// the running order cannot take is refunded by the workflow; once the order has closed, by a
/// <see cref="LatePaymentRefundWorkflow"/> the Api starts (one per order and payment id). Both are 409. An update no
/// Worker answers within <see cref="OrdersSettings.UpdateTimeout"/> is 503; sent again, it is the same update.
/// </summary>
public sealed class OrderUpdates(
    OrderReader reader, ITemporalClient temporal, TemporalSettings temporalSettings, OrdersSettings ordersSettings, NotificationSettings notifications, TimeProvider time)
{
    public async Task<Results<Ok<OrderResponse>, ValidationProblem, ProblemHttpResult>> PayAsync(string orderId, PaymentRequest request, CancellationToken cancellationToken)
    {
        if (!OrderReader.IsOrderId(orderId))
        {
            return NoOrder(orderId);
        }

        var payment = new PaymentConfirmation(request.PaymentId!, request.Amount!.Value, time.GetUtcNow().UtcDateTime);
        var outcome = await UpdateAsync(orderId, workflow => workflow.PayOrderAsync(payment), OrderWorkflow.PaymentUpdateId(payment.PaymentId), cancellationToken);
        return outcome switch
        {
            Answered answered => TypedResults.Ok(OrderResponse.From(answered.Order)),
            Refused { ErrorType: OrderWorkflow.AmountMismatchError } refused => AmountMismatch(refused.Message),
            Refused { ErrorType: OrderWorkflow.NotPayableError } refused => ApiProblems.Conflict(refused.Message),
            NoAnswer => NoAnswerFrom(orderId),
            Refused refused when (await reader.FindAsync(orderId, cancellationToken))?.Running == true => Unavailable(orderId, refused),
            _ => await PayEndedOrderAsync(orderId, payment, cancellationToken),
        };
    }

    public async Task<Results<Ok<OrderResponse>, ValidationProblem, ProblemHttpResult>> AuditAsync(string orderId, AuditRequest request, CancellationToken cancellationToken)
    {
        if (!OrderReader.IsOrderId(orderId))
        {
            return NoOrder(orderId);
        }

        var decision = new AuditDecision(request.Approved!.Value, request.Reason, time.GetUtcNow().UtcDateTime);
        var outcome = await UpdateAsync(orderId, workflow => workflow.AuditOrderAsync(decision), updateId: null, cancellationToken);
        return outcome switch
        {
            Answered answered => TypedResults.Ok(OrderResponse.From(answered.Order)),
            Refused { ErrorType: OrderWorkflow.NotAwaitingAuditError } refused => ApiProblems.Conflict(refused.Message),
            Refused refused => Unavailable(orderId, refused),
            NoAnswer => NoAnswerFrom(orderId),
            _ => await reader.FindAsync(orderId, cancellationToken) is { } ended
                ? ApiProblems.Conflict($"Order '{orderId}' is {ended.View.Status.ToWire()}, not awaiting an audit.")
                : NoOrder(orderId),
        };
    }

    /// <summary>
    /// The order's workflow is not running (it closed, or never existed): the stored order decides. Its own payment is
    /// 200; any other is 409 and refunded once, unless the workflow already refunded it.
    /// </summary>
    private async Task<Results<Ok<OrderResponse>, ValidationProblem, ProblemHttpResult>> PayEndedOrderAsync(string orderId, PaymentConfirmation payment, CancellationToken cancellationToken)
    {
        if (await reader.FindAsync(orderId, cancellationToken) is not { } sighting)
        {
            return NoOrder(orderId);
        }

        var view = sighting.View;
        if (payment.Amount != view.Amount)
        {
            return AmountMismatch($"Payment {payment.PaymentId} of {WireMoney.Text(payment.Amount)} does not match the order amount {WireMoney.Text(view.Amount)}.");
        }

        if (view.PaymentId == payment.PaymentId || Mentions(view, $"payment {payment.PaymentId} received"))
        {
            return TypedResults.Ok(OrderResponse.From(view));
        }

        if (!Mentions(view, $"payment {payment.PaymentId} arrived") && !Mentions(view, $"payment {payment.PaymentId} refunded"))
        {
            await StartLateRefundAsync(orderId, payment, view);
        }

        return ApiProblems.Conflict($"Order '{orderId}' is {view.Status.ToWire()} and no longer payable; payment {payment.PaymentId} is refunded.");
    }

    private static bool Mentions(OrderView view, string prefix) => view.Timeline.Any(entry => entry.Event.StartsWith(prefix, StringComparison.Ordinal));

    /// <summary>Runs the update to completion, or until the order's time to answer is up.</summary>
    private async Task<UpdateOutcome> UpdateAsync(
        string orderId, Expression<Func<OrderWorkflow, Task<OrderView>>> update, string? updateId, CancellationToken cancellationToken)
    {
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(ordersSettings.UpdateTimeout);
        var options = updateId is null ? new WorkflowUpdateOptions() : new WorkflowUpdateOptions(updateId);
        options.Rpc = new() { CancellationToken = bounded.Token };
        try
        {
            return new Answered(await reader.Handle(orderId).ExecuteUpdateAsync(update, options));
        }
        catch (WorkflowUpdateFailedException failed)
        {
            var cause = failed.InnerException ?? failed;
            return new Refused((cause as ApplicationFailureException)?.ErrorType, cause.Message);
        }
        catch (RpcException error) when (error.Code == RpcException.StatusCode.NotFound)
        {
            // Never existed, closed before the update reached it, or closed with the update still unanswered.
            return new NotRunning();
        }
        catch (Exception error) when (error is WorkflowUpdateRpcTimeoutOrCanceledException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return new NoAnswer();
        }
    }

    private async Task StartLateRefundAsync(string orderId, PaymentConfirmation payment, OrderView order)
    {
        var late = new LatePayment(orderId, payment.PaymentId, payment.Amount, order.Status.ToWire(), notifications.AnyChannel, order.UserId);
        try
        {
            await temporal.StartWorkflowAsync(
                (LatePaymentRefundWorkflow workflow) => workflow.RunAsync(late),
                new WorkflowOptions(LatePaymentRefundWorkflow.WorkflowId(orderId, payment.PaymentId), temporalSettings.TaskQueue)
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

    private static ProblemHttpResult NoOrder(string orderId) => ApiProblems.NotFound($"There is no order '{orderId}'.");

    private static ProblemHttpResult AmountMismatch(string detail) =>
        ApiProblems.Create(StatusCodes.Status422UnprocessableEntity, "Unprocessable Entity", detail);

    private ProblemHttpResult NoAnswerFrom(string orderId) => ApiProblems.Unavailable(
        $"Order '{orderId}' did not answer within {ordersSettings.UpdateTimeout.TotalSeconds:0.#} s (no Worker took it); send the same request again.");

    private static ProblemHttpResult Unavailable(string orderId, Refused refused) =>
        ApiProblems.Unavailable($"Order '{orderId}' could not take the request now ({refused.Message}); send it again.");

    private abstract record UpdateOutcome;

    private sealed record Answered(OrderView Order) : UpdateOutcome;

    /// <summary>The validator or the handler refused; <paramref name="ErrorType"/> says why when the workflow did.</summary>
    private sealed record Refused(string? ErrorType, string Message) : UpdateOutcome;

    private sealed record NotRunning : UpdateOutcome;

    private sealed record NoAnswer : UpdateOutcome;
}
