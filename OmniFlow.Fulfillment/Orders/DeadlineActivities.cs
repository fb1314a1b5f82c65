using Temporalio.Activities;
using Temporalio.Client;
using Temporalio.Converters;

namespace OmniFlow.Fulfillment.Orders;

/// <summary>
/// Which reached the server first, a signal or the deadline's TimerFired, when one workflow task delivered both.
/// <paramref name="PaymentId"/>: for a payment, the id of the payment the workflow took (earlier payments may have been
/// rejected); null for the first signal of that name.
/// </summary>
public sealed record SignalOrderRequest(string WorkflowId, string RunId, string SignalName, string? PaymentId = null);

/// <summary>
/// Reads the order's own history. Temporal's core SDK hands a workflow the signals of an activation before its other
/// jobs, whatever their order in history, so the workflow code cannot tell a signal written just before the deadline
/// fired from one written just after when both come in one task (as they do after a Worker died): the history can.
/// </summary>
public sealed class DeadlineActivities(ITemporalClient client)
{
    public const string SignaledBeforeDeadline = "SignaledBeforeDeadline";

    /// <summary>True when the signal was written to history before the last TimerFired (the deadline now being waited on).</summary>
    [Activity(SignaledBeforeDeadline)]
    public async Task<bool> SignaledBeforeDeadlineAsync(SignalOrderRequest request)
    {
        var token = ActivityExecutionContext.Current.CancellationToken;
        var history = await client.GetWorkflowHandle(request.WorkflowId, request.RunId).FetchHistoryAsync(new() { Rpc = new() { CancellationToken = token } });
        long? signaled = null;
        long? fired = null;
        foreach (var e in history.Events)
        {
            if (e.TimerFiredEventAttributes is not null)
            {
                fired = e.EventId;
            }
            else if (signaled is null && e.WorkflowExecutionSignaledEventAttributes is { } signal && signal.SignalName == request.SignalName
                && (request.PaymentId is null || (await client.Options.DataConverter.ToSingleValueAsync<PaymentConfirmation>(signal.Input.Payloads_)).PaymentId == request.PaymentId))
            {
                signaled = e.EventId;
            }
        }

        return signaled is { } at && (fired is null || at < fired);
    }
}
