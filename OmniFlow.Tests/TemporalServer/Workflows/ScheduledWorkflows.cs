using Temporalio.Converters;
using Temporalio.Exceptions;
using Temporalio.Workflows;

namespace OmniFlow.Tests.TemporalServer.Workflows;

/// <summary>What a scheduled run does: how long it works, and whether it fails at the end.</summary>
public sealed record ScheduledPlan(int SleepMinutes, bool Fail = false);

/// <summary>What a scheduled run saw: its count (one more than the last completion result) and whether the run before it failed.</summary>
public sealed record ScheduledTick(int Count, bool AfterFailure);

/// <summary>Counts its schedule's runs through the last completion result a schedule passes on.</summary>
[Workflow]
public sealed class ScheduledCounterWorkflow
{
    [WorkflowRun]
    public async Task<ScheduledTick> RunAsync(ScheduledPlan plan)
    {
        var previous = Workflow.Info.LastResult is { Count: > 0 } last
            ? Workflow.PayloadConverter.ToValue<ScheduledTick>(last.First()).Count
            : 0;
        if (plan.SleepMinutes > 0)
        {
            await Workflow.DelayAsync(TimeSpan.FromMinutes(plan.SleepMinutes));
        }

        if (plan.Fail)
        {
            throw new ApplicationFailureException("scheduled run failed", "ScheduledRunFailed", nonRetryable: true);
        }

        return new ScheduledTick(previous + 1, Workflow.Info.LastFailure is not null);
    }
}
