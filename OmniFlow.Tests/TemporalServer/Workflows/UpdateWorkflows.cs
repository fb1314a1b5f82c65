using Temporalio.Exceptions;
using Temporalio.Workflows;

namespace OmniFlow.Tests.TemporalServer.Workflows;

/// <summary>A counter changed by updates: validated adds, a failing handler, a handler that waits for a signal.</summary>
[Workflow]
public sealed class CounterUpdateWorkflow
{
    private readonly List<string> _notes = [];
    private int _count;
    private bool _released;
    private bool _done;

    [WorkflowInit]
    public CounterUpdateWorkflow(int start) => _count = start;

    [WorkflowRun]
    public async Task<int> RunAsync(int start)
    {
        await Workflow.WaitConditionAsync(() => _done);
        return _count;
    }

    [WorkflowQuery]
    public int Count => _count;

    [WorkflowUpdate]
    public Task<int> AddAsync(int amount)
    {
        _count += amount;
        return Task.FromResult(_count);
    }

    [WorkflowUpdateValidator(nameof(AddAsync))]
    public void ValidateAdd(int amount)
    {
        if (amount < 0)
        {
            throw new ApplicationFailureException("amount must not be negative");
        }
    }

    [WorkflowUpdate]
    public Task<int> BreakAsync() => throw new ApplicationFailureException("handler broke");

    /// <summary>Accepted at once; answers only after the Release signal.</summary>
    [WorkflowUpdate]
    public async Task<string> WaitForReleaseAsync()
    {
        await Workflow.WaitConditionAsync(() => _released);
        return $"released at {_count}";
    }

    /// <summary>The notes signalled so far, as the update sees them.</summary>
    [WorkflowUpdate]
    public Task<string> NotesAsync() => Task.FromResult(string.Join(",", _notes));

    [WorkflowSignal]
    public Task NoteAsync(string note)
    {
        _notes.Add(note);
        return Task.CompletedTask;
    }

    [WorkflowSignal]
    public Task ReleaseAsync()
    {
        _released = true;
        return Task.CompletedTask;
    }

    [WorkflowSignal]
    public Task FinishAsync()
    {
        _done = true;
        return Task.CompletedTask;
    }
}

/// <summary>Sleeps, then waits for a Finish update; updates record what the workflow has seen.</summary>
[Workflow]
public sealed class TimerUpdateWorkflow
{
    private readonly List<string> _seen = [];
    private bool _done;

    [WorkflowRun]
    public async Task<string> RunAsync(TimeSpan sleep)
    {
        await Workflow.DelayAsync(sleep);
        _seen.Add("timer");
        await Workflow.WaitConditionAsync(() => _done);
        return string.Join(",", _seen);
    }

    [WorkflowUpdate]
    public Task<string> SeeAsync(string name)
    {
        _seen.Add(name);
        return Task.FromResult(string.Join(",", _seen));
    }

    [WorkflowUpdate]
    public Task FinishAsync()
    {
        _done = true;
        return Task.CompletedTask;
    }
}
