namespace OmniFlow.Fulfillment.Orders;

/// <summary>
/// The undo steps of a workflow, registered before each step they undo and run in reverse.
/// The token they get is detached from the workflow's own, so compensation still runs when the workflow is cancelled.
/// </summary>
internal sealed class Saga
{
    private readonly Stack<Func<CancellationToken, Task>> compensations = new();

    public void Register(Func<CancellationToken, Task> compensation) => compensations.Push(compensation);

    public async Task CompensateAsync(CancellationToken detachedToken)
    {
        while (compensations.TryPop(out var compensation))
        {
            await compensation(detachedToken);
        }
    }
}
