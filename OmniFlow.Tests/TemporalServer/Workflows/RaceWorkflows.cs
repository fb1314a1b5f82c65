using System.Collections.Concurrent;
using Temporalio.Activities;
using Temporalio.Exceptions;
using Temporalio.Workflows;

namespace OmniFlow.Tests.TemporalServer.Workflows;

/// <summary>
/// Lets a test hold a workflow task in flight: a signal handler blocks in <see cref="Hold"/> (the worker runs with
/// DebugMode, so the SDK does not call that a deadlock) until the test has made something happen on the server.
/// </summary>
public static class RaceGates
{
    private static readonly ConcurrentDictionary<string, (TaskCompletionSource Entered, ManualResetEventSlim Release)> Handlers = new();
    private static readonly ConcurrentDictionary<string, TaskCompletionSource> Activities = new();

    private static (TaskCompletionSource Entered, ManualResetEventSlim Release) HandlerGate(string workflowId) =>
        Handlers.GetOrAdd(workflowId, _ => (new(TaskCreationOptions.RunContinuationsAsynchronously), new()));

    /// <summary>Called from a signal handler: blocks the workflow task until the test releases it (not on replay).</summary>
    public static void Hold()
    {
        if (Workflow.Unsafe.IsReplaying)
        {
            return;
        }

        var gate = HandlerGate(Workflow.Info.WorkflowId);
        gate.Entered.TrySetResult();
        gate.Release.Wait(TimeSpan.FromSeconds(30));
    }

    public static Task HandlerEnteredAsync(string workflowId) => HandlerGate(workflowId).Entered.Task.WaitAsync(TimeSpan.FromSeconds(30));

    public static void ReleaseHandler(string workflowId) => HandlerGate(workflowId).Release.Set();

    public static Task ActivityGateAsync(string workflowId) =>
        Activities.GetOrAdd(workflowId, _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    public static void ReleaseActivity(string workflowId) =>
        Activities.GetOrAdd(workflowId, _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
}

public sealed class RaceActivities
{
    [Activity]
    public async Task<string> WaitForGateAsync()
    {
        await RaceGates.ActivityGateAsync(ActivityExecutionContext.Current.Info.WorkflowId!);
        return "completed";
    }

    [Activity]
    public async Task SleepAsync(int milliseconds) => await Task.Delay(milliseconds, ActivityExecutionContext.Current.CancellationToken);
}

/// <summary>Starts a timer; a signal cancels it (from a handler that may hold the task in flight).</summary>
[Workflow]
public sealed class TimerCancelRaceWorkflow
{
    private readonly CancellationTokenSource _cancel = new();

    [WorkflowRun]
    public async Task<string> RunAsync(int timerMilliseconds, bool sleepAfterwards)
    {
        string outcome;
        try
        {
            await Workflow.DelayAsync(TimeSpan.FromMilliseconds(timerMilliseconds), _cancel.Token);
            outcome = "fired";
        }
        catch (OperationCanceledException)
        {
            outcome = "canceled";
        }

        if (sleepAfterwards)
        {
            await Workflow.DelayAsync(TimeSpan.FromMilliseconds(50));
        }

        return outcome;
    }

    [WorkflowSignal]
    public Task CancelAsync()
    {
        RaceGates.Hold();
        _cancel.Cancel();
        return Task.CompletedTask;
    }
}

/// <summary>Runs an activity a signal cancels (try-cancel); then waits for a finish signal.</summary>
[Workflow]
public sealed class ActivityCancelRaceWorkflow
{
    private readonly CancellationTokenSource _cancel = new();
    private bool _finish;

    [WorkflowRun]
    public async Task<string> RunAsync()
    {
        string outcome;
        try
        {
            outcome = await Workflow.ExecuteActivityAsync(
                (RaceActivities a) => a.WaitForGateAsync(),
                new() { StartToCloseTimeout = TimeSpan.FromMinutes(1), CancellationToken = _cancel.Token });
        }
        catch (ActivityFailureException ex) when (ex.InnerException is CanceledFailureException)
        {
            outcome = "canceled";
        }

        await Workflow.WaitConditionAsync(() => _finish);
        return outcome;
    }

    [WorkflowSignal]
    public Task CancelAsync()
    {
        RaceGates.Hold();
        _cancel.Cancel();
        return Task.CompletedTask;
    }

    [WorkflowSignal]
    public Task FinishAsync()
    {
        _finish = true;
        return Task.CompletedTask;
    }
}

/// <summary>A child that ends when told to.</summary>
[Workflow]
public sealed class RaceChildWorkflow
{
    private bool _finish;

    [WorkflowRun]
    public async Task<string> RunAsync()
    {
        await Workflow.WaitConditionAsync(() => _finish);
        return "child done";
    }

    [WorkflowSignal]
    public Task FinishAsync()
    {
        _finish = true;
        return Task.CompletedTask;
    }
}

/// <summary>Starts a child a signal cancels.</summary>
[Workflow]
public sealed class ChildCancelRaceWorkflow
{
    private readonly CancellationTokenSource _cancel = new();

    [WorkflowRun]
    public async Task<string> RunAsync(string childId)
    {
        var child = await Workflow.StartChildWorkflowAsync(
            (RaceChildWorkflow c) => c.RunAsync(),
            new() { Id = childId, CancellationToken = _cancel.Token });
        try
        {
            return await child.GetResultAsync();
        }
        catch (ChildWorkflowFailureException ex) when (ex.InnerException is CanceledFailureException)
        {
            return "canceled";
        }
    }

    [WorkflowSignal]
    public Task CancelAsync()
    {
        RaceGates.Hold();
        _cancel.Cancel();
        return Task.CompletedTask;
    }
}

public sealed record RacePlan(int Rounds, int TimerMilliseconds, int ActivityMilliseconds, int PauseMilliseconds, bool WithChild);

/// <summary>
/// Rounds of a short timer, a short activity and (maybe) a short child, all canceled when a poke arrives: after a
/// poke, a local activity keeps the workflow task in flight for a while before the cancels are sent, so timers fire,
/// activities and children end while the task that cancels them is running.
/// </summary>
[Workflow]
public sealed class CancelRaceWorkflow
{
    private int _pokes;

    [WorkflowRun]
    public async Task<string> RunAsync(RacePlan plan)
    {
        var outcomes = new List<string>();
        for (var round = 0; round < plan.Rounds; round++)
        {
            var seen = _pokes;
            using var cancel = new CancellationTokenSource();
            var timer = OutcomeAsync("t", Workflow.DelayAsync(TimeSpan.FromMilliseconds(plan.TimerMilliseconds), cancel.Token));
            var activity = OutcomeAsync("a", Workflow.ExecuteActivityAsync(
                (RaceActivities a) => a.SleepAsync(plan.ActivityMilliseconds),
                new() { StartToCloseTimeout = TimeSpan.FromSeconds(30), CancellationToken = cancel.Token }));
            var child = plan.WithChild
                ? OutcomeAsync("c", Workflow.ExecuteChildWorkflowAsync(
                    (RaceSleepChildWorkflow c) => c.RunAsync(plan.TimerMilliseconds),
                    new() { Id = $"{Workflow.Info.WorkflowId}-child-{round}", CancellationToken = cancel.Token }))
                : Task.FromResult("");
            await Workflow.WhenAnyAsync(Workflow.WaitConditionAsync(() => _pokes > seen), Workflow.WhenAllAsync(timer, activity, child));
            if (plan.PauseMilliseconds > 0)
            {
                await Workflow.ExecuteLocalActivityAsync(
                    (RaceActivities a) => a.SleepAsync(plan.PauseMilliseconds),
                    new() { StartToCloseTimeout = TimeSpan.FromSeconds(10) });
            }

            cancel.Cancel();
            outcomes.Add(await timer + await activity + await child);
        }

        return string.Join(",", outcomes);
    }

    [WorkflowSignal]
    public Task PokeAsync()
    {
        _pokes++;
        return Task.CompletedTask;
    }

    private static async Task<string> OutcomeAsync(string tag, Task task)
    {
        try
        {
            await task;
            return tag + "+";
        }
        catch (Exception ex) when (ex is OperationCanceledException or ActivityFailureException or ChildWorkflowFailureException)
        {
            return tag + "-";
        }
    }
}

/// <summary>Sleeps, or ends canceled when its parent cancels it.</summary>
[Workflow]
public sealed class RaceSleepChildWorkflow
{
    [WorkflowRun]
    public Task RunAsync(int milliseconds) => Workflow.DelayAsync(TimeSpan.FromMilliseconds(milliseconds));
}

/// <summary>Starts a timer and then a Nexus operation in the same workflow task (the server has no Nexus).</summary>
[Workflow]
public sealed class NexusCallerWorkflow
{
    private static readonly ConcurrentDictionary<string, int> Activations = new();

    public static int ActivationsOf(string workflowId) => Activations.GetValueOrDefault(workflowId);

    [WorkflowRun]
    public async Task RunAsync()
    {
        Activations.AddOrUpdate(Workflow.Info.WorkflowId, 1, (_, n) => n + 1);
        var timer = Workflow.DelayAsync(TimeSpan.FromHours(1));
        var nexus = Workflow.CreateNexusWorkflowClient("no-such-service", "no-such-endpoint");
        await nexus.StartNexusOperationAsync("operation", "input", new() { ScheduleToCloseTimeout = TimeSpan.FromMinutes(1) });
        await timer;
    }
}
