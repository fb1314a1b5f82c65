using Temporalio.Api.Schedule.V1;

namespace OmniFlow.TemporalServer.Scheduling;

/// <summary>A schedule time: the nominal time the spec names, and the actual time after jitter.</summary>
public readonly record struct ScheduleTime(DateTimeOffset Nominal, DateTimeOffset Actual);

/// <summary>
/// A compiled spec: the next schedule time after an instant, as the real server computes it — the earliest of every
/// calendar and interval (whole seconds, intervals counted from the Unix epoch plus phase), skipping excluded times,
/// not before start_time, none after end_time, then jitter (stable per schedule and time, and never past the
/// following nominal time).
/// </summary>
public sealed class CompiledSpec(ScheduleSpec spec, IReadOnlyList<CompiledCalendar> calendars, IReadOnlyList<CompiledCalendar> excludes, string jitterSeed)
{
    public ScheduleSpec Spec { get; } = spec;

    public ScheduleTime? Next(DateTimeOffset after)
    {
        if (Spec.StartTime is { } start && start.ToDateTimeOffset() - TimeSpan.FromSeconds(1) > after)
        {
            after = start.ToDateTimeOffset() - TimeSpan.FromSeconds(1);
        }

        DateTimeOffset nominal;
        var iterations = 0;
        do
        {
            if (RawNext(after) is not { } candidate || PastEnd(candidate) || ++iterations > 100_000)
            {
                return null;
            }

            nominal = candidate;
            after = candidate;
        }
        while (excludes.Any(e => e.Matches(nominal)));

        var maxJitter = Spec.Jitter?.ToTimeSpan() ?? TimeSpan.Zero;
        if (RawNext(nominal) is { } following && following - nominal < maxJitter)
        {
            maxJitter = following - nominal;
        }

        return new ScheduleTime(nominal, nominal + Jitter(nominal, maxJitter));
    }

    /// <summary>Schedule times whose actual time falls in (from, to], at most <paramref name="limit"/>.</summary>
    public IEnumerable<ScheduleTime> Between(DateTimeOffset from, DateTimeOffset to, int limit = int.MaxValue)
    {
        var count = 0;
        for (var next = Next(from); next is { } time && time.Actual <= to && count < limit; next = Next(time.Actual), count++)
        {
            yield return time;
        }
    }

    private bool PastEnd(DateTimeOffset time) =>
        (Spec.EndTime is { } end && time > end.ToDateTimeOffset()) || time.Year > CalendarText.MaxYear;

    private DateTimeOffset? RawNext(DateTimeOffset after)
    {
        DateTimeOffset? earliest = null;
        foreach (var calendar in calendars)
        {
            if (calendar.Next(after) is { } next && (earliest is null || next < earliest))
            {
                earliest = next;
            }
        }

        var seconds = after.ToUnixTimeSeconds();
        foreach (var interval in Spec.Interval)
        {
            var every = Math.Max((long)interval.Interval.ToTimeSpan().TotalSeconds, 1);
            var phase = Math.Max((long)(interval.Phase?.ToTimeSpan().TotalSeconds ?? 0), 0);
            var next = DateTimeOffset.FromUnixTimeSeconds((((seconds - phase) / every) + 1) * every + phase);
            if (earliest is null || next < earliest)
            {
                earliest = next;
            }
        }

        return earliest;
    }

    private TimeSpan Jitter(DateTimeOffset nominal, TimeSpan maxJitter)
    {
        if (maxJitter <= TimeSpan.Zero)
        {
            return TimeSpan.Zero;
        }

        // FNV-1a over the nominal time and the schedule's seed: the same time always gets the same jitter.
        var hash = 2166136261u;
        foreach (var b in BitConverter.GetBytes(nominal.UtcTicks).Concat(System.Text.Encoding.UTF8.GetBytes(jitterSeed)))
        {
            hash = (hash ^ b) * 16777619u;
        }

        var milliseconds = (ulong)Math.Min(maxJitter.TotalMilliseconds, uint.MaxValue);
        return TimeSpan.FromMilliseconds((double)((hash * milliseconds) >> 32));
    }
}
