using System.Diagnostics;
using OmniFlow.Fulfillment.Inventory;
using OmniFlow.Fulfillment.Orders;
using Temporalio.Activities;
using Temporalio.Client.Interceptors;
using Temporalio.Exceptions;
using Temporalio.Worker.Interceptors;
using Temporalio.Workflows;

namespace OmniFlow.Fulfillment.Telemetry;

/// <summary>
/// Records <see cref="OrderTelemetry"/> from the worker, without a line in the workflow: an order's outcome when its
/// <see cref="OrderWorkflow"/> returns live (a replayed return, after an eviction or by the replayer, is not counted
/// again), and the duration of each ReserveStock activity attempt. Also a (pass-through) client interceptor, so that it
/// can sit on the client's options beside <see cref="TemporalTracingInterceptor"/> and reach every worker on that client.
/// </summary>
public sealed class OrderMetricsInterceptor(OrderTelemetry telemetry) : IClientInterceptor, IWorkerInterceptor
{
    public ClientOutboundInterceptor InterceptClient(ClientOutboundInterceptor nextInterceptor) => nextInterceptor;

    public WorkflowInboundInterceptor InterceptWorkflow(WorkflowInboundInterceptor nextInterceptor) => new Inbound(telemetry, nextInterceptor);

    public ActivityInboundInterceptor InterceptActivity(ActivityInboundInterceptor nextInterceptor) => new ActivityInbound(telemetry, nextInterceptor);

    private sealed class Inbound(OrderTelemetry telemetry, WorkflowInboundInterceptor next) : WorkflowInboundInterceptor(next)
    {
        public override async Task<object?> ExecuteWorkflowAsync(ExecuteWorkflowInput input)
        {
            if (Workflow.Info.WorkflowType != OrderWorkflow.WorkflowType)
            {
                return await base.ExecuteWorkflowAsync(input);
            }

            try
            {
                var result = await base.ExecuteWorkflowAsync(input);
                if (result is OrderResult order)
                {
                    Ended(order.Status);
                }

                return result;
            }
            catch (FailureException) when (Ended(OrderStatus.Failed))
            {
                // Never reached: Ended records and answers false. A thrown failure fails the run, which counts as a
                // failed order; any other exception fails only the workflow task, which is retried, and counts nothing.
                throw;
            }
        }

        /// <summary>Both times come from the history, so the duration is the same whoever computes it.</summary>
        private bool Ended(OrderStatus outcome)
        {
            if (!Workflow.Unsafe.IsReplaying)
            {
                telemetry.RecordEnded(outcome, Workflow.UtcNow - Workflow.Info.StartTime);
            }

            return false;
        }
    }

    private sealed class ActivityInbound(OrderTelemetry telemetry, ActivityInboundInterceptor next) : ActivityInboundInterceptor(next)
    {
        public override Task<object?> ExecuteActivityAsync(ExecuteActivityInput input) =>
            ActivityExecutionContext.Current.Info.ActivityType == InventoryActivities.Reserve ? TimedAsync(input) : base.ExecuteActivityAsync(input);

        private async Task<object?> TimedAsync(ExecuteActivityInput input)
        {
            var started = Stopwatch.GetTimestamp();
            StockOutcome? outcome = null;
            try
            {
                var result = await base.ExecuteActivityAsync(input).ConfigureAwait(false);
                outcome = (result as StockOperationResult)?.Outcome;
                return result;
            }
            finally
            {
                telemetry.RecordReservation(outcome, Stopwatch.GetElapsedTime(started));
            }
        }
    }
}
