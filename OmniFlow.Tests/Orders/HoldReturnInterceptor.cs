using OmniFlow.Fulfillment.Orders;
using Temporalio.Worker.Interceptors;
using Temporalio.Workflows;

namespace OmniFlow.Tests.Orders;

/// <summary>
/// Holds the workflow task in which an order workflow first returns (the task whose commands complete the run) until
/// the test lets it go, so that the test can deliver a signal while that task is in flight.
/// </summary>
internal sealed class HoldReturnInterceptor : IWorkerInterceptor
{
    private int held;

    public TaskCompletionSource Returning { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ManualResetEventSlim Release { get; } = new();

    public WorkflowInboundInterceptor InterceptWorkflow(WorkflowInboundInterceptor nextInterceptor) => new Inbound(this, nextInterceptor);

    private sealed class Inbound(HoldReturnInterceptor owner, WorkflowInboundInterceptor next) : WorkflowInboundInterceptor(next)
    {
        public override async Task<object?> ExecuteWorkflowAsync(ExecuteWorkflowInput input)
        {
            var result = await base.ExecuteWorkflowAsync(input);
            if (Workflow.Info.WorkflowType == OrderWorkflow.WorkflowType && Interlocked.Exchange(ref owner.held, 1) == 0)
            {
                owner.Returning.TrySetResult();
                // Blocking the workflow thread is what the test wants here: the SDK reports its deadlock only after 2 s.
                owner.Release.Wait(TimeSpan.FromSeconds(1.5));
            }

            return result;
        }
    }
}
