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
        var result = await RecordedHistories.ReplayAsync(await RecordedHistories.LoadAsync("SignalHistories", name));

        Assert.Null(result.ReplayFailure);
    }
}
