using Temporalio.Converters;
using Temporalio.Exceptions;
using Temporalio.Workflows;

namespace OmniFlow.Tests.TemporalServer.Workflows;

/// <summary>What one run of the cron counter saw: its count, its schedule, and whether the run before it failed.</summary>
public sealed record CronTick(int Count, string CronSchedule, bool AfterFailure);

/// <summary>
/// Counts its cron runs through the last completion result; the run that would reach <c>failOnCount</c> fails instead.
/// </summary>
[Workflow]
public sealed class CronCounterWorkflow
{
    [WorkflowRun]
    public Task<CronTick> RunAsync(int failOnCount)
    {
        var previous = Workflow.Info.LastResult is { Count: > 0 } last
            ? Workflow.PayloadConverter.ToValue<CronTick>(last.First()).Count
            : 0;
        var count = previous + 1;
        if (count == failOnCount && Workflow.Info.LastFailure is null)
        {
            throw new ApplicationFailureException($"cron run {count} failed", "CronRunFailed");
        }

        return Task.FromResult(new CronTick(count, Workflow.Info.CronSchedule ?? "", Workflow.Info.LastFailure is not null));
    }
}
