using Temporalio.Client;
using Temporalio.Client.Schedules;
using Temporalio.Exceptions;

namespace OmniFlow.Fulfillment.Reconciliation;

/// <summary>The Temporal Schedule that starts the daily run: created when missing, brought up to date when it differs, so starting the Worker again changes nothing.</summary>
public static class ReconciliationSchedule
{
    public static async Task EnsureAsync(ITemporalClient client, ReconciliationSettings settings, string taskQueue, CancellationToken cancellationToken)
    {
        var wanted = Build(settings.Schedule, taskQueue);
        var rpc = new RpcOptions { CancellationToken = cancellationToken };
        try
        {
            await client.CreateScheduleAsync(ReconciliationSettings.ScheduleId, wanted, new() { Rpc = rpc });
        }
        catch (ScheduleAlreadyRunningException)
        {
            var handle = client.GetScheduleHandle(ReconciliationSettings.ScheduleId);
            var current = (await handle.DescribeAsync(rpc)).Schedule;
            if (!SameCron(current, settings.Schedule) || current.Action is not ScheduleActionStartWorkflow { Options.TaskQueue: var queue } || queue != taskQueue)
            {
                await handle.UpdateAsync(_ => new ScheduleUpdate(wanted), rpc);
            }
        }
    }

    private static Schedule Build(string cron, string taskQueue) => new(
        ScheduleActionStartWorkflow.Create(
            (ReconciliationWorkflow workflow) => workflow.RunAsync(),
            new(ReconciliationWorkflow.ScheduledId, taskQueue)),
        new ScheduleSpec { CronExpressions = [cron] })
    {
        Policy = new() { Overlap = Temporalio.Api.Enums.V1.ScheduleOverlapPolicy.Skip },
    };

    /// <summary>The server keeps a cron expression as structured calendars, so the comment it keeps tells what was asked.</summary>
    private static bool SameCron(Schedule current, string cron) =>
        current.Spec.CronExpressions.SequenceEqual([cron]) || current.Spec.Calendars.Any(c => c.Comment == cron);
}
