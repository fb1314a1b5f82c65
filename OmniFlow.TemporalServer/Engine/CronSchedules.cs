using Cronos;

namespace OmniFlow.TemporalServer.Engine;

/// <summary>A workflow's cron schedule (standard five fields, UTC): when its next run starts.</summary>
public static class CronSchedules
{
    public static bool IsValid(string schedule) => TryParse(schedule) is not null;

    /// <summary>
    /// The wait from <paramref name="now"/> to the first schedule time after <paramref name="scheduledTime"/> that is not
    /// before now, rounded up to whole seconds (as the real server computes it); null when no time satisfies the schedule.
    /// </summary>
    public static TimeSpan? Backoff(string schedule, DateTimeOffset scheduledTime, DateTimeOffset now)
    {
        if (TryParse(schedule) is not { } expression)
        {
            return null;
        }

        DateTimeOffset? next = now < scheduledTime ? scheduledTime : expression.GetNextOccurrence(scheduledTime, TimeZoneInfo.Utc);
        while (next is { } candidate && candidate < now)
        {
            next = expression.GetNextOccurrence(candidate, TimeZoneInfo.Utc);
        }

        return next is { } time ? TimeSpan.FromSeconds(Math.Ceiling((time - now).TotalSeconds)) : null;
    }

    private static CronExpression? TryParse(string schedule) =>
        CronExpression.TryParse(schedule, CronFormat.Standard, out var expression) ? expression : null;
}
