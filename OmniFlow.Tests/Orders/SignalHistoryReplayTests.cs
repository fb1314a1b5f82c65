using OmniFlow.Fulfillment.Orders;
using OmniFlow.Fulfillment.Payments;
using OmniFlow.Fulfillment.Shipping;
using Temporalio.Common;
using Temporalio.Worker;

namespace OmniFlow.Tests.Orders;

/// <summary>
/// Histories recorded from the order workflow as it ran before payments and audits became Workflow Updates (the Pay and
/// Audit signals; SignalHistories/, one per scenario of <see cref="OrderWorkflowTests"/> at that time). Orders started
/// then may still be running when the new code takes over: the current workflow must replay every one of them.
/// </summary>
public sealed class SignalHistoryReplayTests
{
    [Theory]
    [InlineData("approved-after-deadline-in-deadline-task")]
    [InlineData("approved-before-deadline-in-deadline-task")]
    [InlineData("audit-rejected")]
    [InlineData("paid")]
    [InlineData("paid-after-deadline-in-deadline-task")]
    [InlineData("paid-before-deadline-in-deadline-task")]
    [InlineData("paid-in-completing-task")]
    [InlineData("paid-twice")]
    [InlineData("paid-while-ending")]
    [InlineData("timed-out")]
    [InlineData("wrong-amount-then-paid")]
    public async Task A_history_written_with_the_signals_replays(string name)
    {
        var json = await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "Orders", "SignalHistories", $"{name}.json"), TestContext.Current.CancellationToken);
        var history = WorkflowHistory.FromJson(name, json);
        var replayer = new WorkflowReplayer(new WorkflowReplayerOptions()
            .AddWorkflow<OrderWorkflow>()
            .AddWorkflow<ShipmentWorkflow>()
            .AddWorkflow<LatePaymentRefundWorkflow>());

        var result = await replayer.ReplayWorkflowAsync(history, throwOnReplayFailure: false, TestContext.Current.CancellationToken);

        Assert.Null(result.ReplayFailure);
    }
}
