using Microsoft.Extensions.Configuration;

namespace OmniFlow.Fulfillment.Reconciliation;

/// <summary>The <c>Reconciliation</c> configuration section.</summary>
public sealed class ReconciliationSettings
{
    public const string Section = "Reconciliation";

    /// <summary>The Temporal Schedule's id; the Worker creates it (or brings it up to date) when it starts.</summary>
    public const string ScheduleId = "omniflow-reconciliation";

    /// <summary>When the scheduled run starts: a cron expression, in UTC (<c>Reconciliation:Schedule</c>); empty for none.</summary>
    public string Schedule { get; set; } = "0 3 * * *";

    /// <summary>How far apart the two reads are: a gate correction is made only for a drift both reads show.</summary>
    public TimeSpan SettleDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long an order (or an admission) may go without a live workflow before it is compensated.</summary>
    public TimeSpan StuckAfter { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>A run that has held the lease this long is taken to be dead, and the next run takes the lease over.</summary>
    public TimeSpan MaxRunTime { get; set; } = TimeSpan.FromHours(1);

    public static ReconciliationSettings From(IConfiguration configuration) =>
        configuration.GetSection(Section).Get<ReconciliationSettings>() ?? new ReconciliationSettings();
}
