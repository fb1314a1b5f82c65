using OmniFlow.Fulfillment.Notifications;
using OmniFlow.Fulfillment.Orders;
using OmniFlow.Fulfillment.Payments;
using OmniFlow.Fulfillment.Shipping;
using Temporalio.Client;
using Temporalio.Testing;
using Temporalio.Worker;
using Temporalio.Worker.Interceptors;

namespace OmniFlow.Tests.Orders;

/// <summary>One order workflow under test: its workers (orders queue and gate queue), its mocks, its handle.</summary>
internal sealed class OrderRun(
    WorkflowEnvironment environment,
    string orderId,
    string taskQueue,
    OrderActivityFakes fakes,
    GateActivityFake gate,
    IWorkerInterceptor? interceptor = null)
    : IAsyncDisposable
{
    private CancellationTokenSource stop = new();
    private List<Task> workers = [];

    public string OrderId => orderId;

    public string TaskQueue => taskQueue;

    public OrderActivityFakes Fakes => fakes;

    public GateActivityFake Gate => gate;

    public WorkflowHandle<OrderWorkflow, OrderResult> Handle { get; set; } = null!;

    public Task StartWorkersAsync()
    {
        var options = new TemporalWorkerOptions(taskQueue) { Interceptors = interceptor is null ? null : [interceptor] }
            .AddWorkflow<OrderWorkflow>()
            .AddWorkflow<ShipmentWorkflow>()
            .AddWorkflow<LatePaymentRefundWorkflow>()
            .AddWorkflow<NotificationWorkflow>()
            .AddAllActivities(fakes)
            .AddAllActivities(new DeadlineActivities(environment.Client))
            .AddAllActivities(new LateEventActivities(environment.Client));
        var orders = new TemporalWorker(environment.Client, options);
        var gateWorker = new TemporalWorker(environment.Client, new TemporalWorkerOptions($"{taskQueue}-gate").AddAllActivities(gate));
        workers.Add(RunAsync(orders));
        workers.Add(RunAsync(gateWorker));
        return Task.CompletedTask;
    }

    /// <summary>
    /// Stops the run's workers, as a killed Worker would leave it: nothing polls its queues until
    /// <see cref="StartWorkersAsync"/> starts fresh workers, whose first task replays the whole history.
    /// </summary>
    public async Task StopWorkersAsync()
    {
        await stop.CancelAsync();
        foreach (var worker in workers)
        {
            try
            {
                await worker;
            }
            catch (OperationCanceledException)
            {
            }
        }

        stop.Dispose();
        stop = new();
        workers = [];
    }

    /// <summary>Pays as the Api does: the Pay update, its id derived from the payment id.</summary>
    public Task<OrderView> PayAsync(string paymentId, decimal amount, DateTime? receivedAt = null) =>
        Handle.ExecuteUpdateAsync(wf => wf.PayOrderAsync(new PaymentConfirmation(paymentId, amount, receivedAt)), new(OrderWorkflow.PaymentUpdateId(paymentId)));

    public Task<OrderView> AuditAsync(bool approved, string? reason = null, DateTime? receivedAt = null, string? updateId = null) =>
        Handle.ExecuteUpdateAsync(wf => wf.AuditOrderAsync(new AuditDecision(approved, reason, receivedAt)), updateId is null ? new() : new(updateId));

    /// <summary>Waits until the server holds the update (admitted, not yet taken by a Worker, or further).</summary>
    public async Task WaitForUpdateAdmittedAsync(string updateId)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (true)
        {
            try
            {
                await environment.Client.Connection.WorkflowService.PollWorkflowExecutionUpdateAsync(new()
                {
                    Namespace = environment.Client.Options.Namespace,
                    UpdateRef = new() { WorkflowExecution = new() { WorkflowId = orderId }, UpdateId = updateId },
                });
                return;
            }
            catch (Temporalio.Exceptions.RpcException error) when (error.Code == Temporalio.Exceptions.RpcException.StatusCode.NotFound && DateTime.UtcNow < deadline)
            {
                await Task.Delay(20);
            }
        }
    }

    public async Task<OrderView> WaitForStatusAsync(params OrderStatus[] statuses)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (true)
        {
            var view = await Handle.QueryAsync(wf => wf.Status());
            if (statuses.Contains(view.Status))
            {
                return view;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Order {orderId} stayed {view.Status}, expected {string.Join(" or ", statuses)}.");
            }

            await Task.Delay(20);
        }
    }

    /// <summary>The order's view once its timeline has an event starting with <paramref name="prefix"/>.</summary>
    public async Task<OrderView> WaitForTimelineAsync(string prefix)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (true)
        {
            var view = await Handle.QueryAsync(wf => wf.Status());
            if (view.Timeline.Any(entry => entry.Event.StartsWith(prefix, StringComparison.Ordinal)) || DateTime.UtcNow > deadline)
            {
                return view;
            }

            await Task.Delay(20);
        }
    }

    /// <summary>Replays the run's history (or <paramref name="other"/>'s) with the workflow code: it must not be non-deterministic.</summary>
    public async Task ReplayAsync(WorkflowHandle? other = null)
    {
        var history = await (other ?? Handle).FetchHistoryAsync();
        var replayer = new WorkflowReplayer(new WorkflowReplayerOptions()
            .AddWorkflow<OrderWorkflow>()
            .AddWorkflow<ShipmentWorkflow>()
            .AddWorkflow<LatePaymentRefundWorkflow>()
            .AddWorkflow<NotificationWorkflow>());
        await replayer.ReplayWorkflowAsync(history);
    }

    public async ValueTask DisposeAsync()
    {
        await EndIfOpenAsync();
        await StopWorkersAsync();
        stop.Dispose();
    }

    /// <summary>
    /// A test that failed midway must not leave work in flight on the time-skipping server its class shares: an activity
    /// it held, or one queued for its stopped workers, would keep the server from skipping time for every test after it.
    /// </summary>
    private async Task EndIfOpenAsync()
    {
        if (Handle is null)
        {
            return;
        }

        try
        {
            if ((await Handle.DescribeAsync()).Status == Temporalio.Api.Enums.V1.WorkflowExecutionStatus.Running)
            {
                await Handle.TerminateAsync("the test is over");
            }
        }
        catch (Temporalio.Exceptions.RpcException)
        {
            // Not there, or closed meanwhile: nothing is left in flight.
        }
    }

    private async Task RunAsync(TemporalWorker worker)
    {
        using (worker)
        {
            await worker.ExecuteAsync(stop.Token);
        }
    }
}
