using Temporalio.Api.Schedule.V1;

namespace OmniFlow.TemporalServer.Scheduling;

/// <summary>
/// Turns a <see cref="ScheduleSpec"/> into its canonical form, as the real server stores and describes it (calendar
/// strings and cron strings become structured calendars or intervals; ranges get their end and step), and compiles it.
/// Invalid specs throw <see cref="FormatException"/> with the real server's wording.
/// </summary>
public static class ScheduleSpecCompiler
{
    public static ScheduleSpec Canonicalize(ScheduleSpec spec)
    {
        var canonical = spec.Clone();
        foreach (var calendar in spec.Calendar)
        {
            canonical.StructuredCalendar.Add(CalendarText.ToStructured(calendar));
        }

        canonical.Calendar.Clear();
        foreach (var calendar in spec.ExcludeCalendar)
        {
            canonical.ExcludeStructuredCalendar.Add(CalendarText.ToStructured(calendar));
        }

        canonical.ExcludeCalendar.Clear();
        string? cronZone = null;
        foreach (var cron in spec.CronString)
        {
            var translation = CronText.Parse(cron);
            if (cronZone is not null && cronZone != translation.TimeZone)
            {
                throw new FormatException("conflicting timezone names");
            }

            cronZone = translation.TimeZone;
            if (translation.Calendar is { } calendar)
            {
                canonical.StructuredCalendar.Add(calendar);
            }

            if (translation.Interval is { } interval)
            {
                canonical.Interval.Add(interval);
            }
        }

        canonical.CronString.Clear();
        if (!string.IsNullOrEmpty(cronZone))
        {
            if (canonical.TimezoneName.Length > 0 && canonical.TimezoneName != cronZone)
            {
                throw new FormatException("conflicting timezone names");
            }

            canonical.TimezoneName = cronZone;
        }

        foreach (var calendar in canonical.StructuredCalendar.Concat(canonical.ExcludeStructuredCalendar))
        {
            Validate(calendar);
            Clean(calendar);
        }

        foreach (var interval in canonical.Interval)
        {
            Validate(interval);
        }

        _ = Zone(canonical.TimezoneName);
        return canonical;
    }

    /// <summary>Compiles a canonical spec; <paramref name="jitterSeed"/> makes jitter stable per schedule.</summary>
    public static CompiledSpec Compile(ScheduleSpec canonical, string jitterSeed)
    {
        var zone = Zone(canonical.TimezoneName);
        return new CompiledSpec(
            canonical,
            [.. canonical.StructuredCalendar.Select(c => new CompiledCalendar(c, zone))],
            [.. canonical.ExcludeStructuredCalendar.Select(c => new CompiledCalendar(c, zone))],
            jitterSeed);
    }

    public static TimeZoneInfo Zone(string name)
    {
        if (string.IsNullOrEmpty(name) || name == "UTC")
        {
            return TimeZoneInfo.Utc;
        }

        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(name);
        }
        catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            throw new FormatException($"unknown time zone {name}");
        }
    }

    private static void Validate(StructuredCalendarSpec calendar)
    {
        var errors = new List<string>();
        void Check(IEnumerable<Temporalio.Api.Schedule.V1.Range> ranges, string field, int min, int max)
        {
            foreach (var range in ranges)
            {
                if (range.Start < min || range.Start > max)
                {
                    errors.Add($"{field} Start is not in range [{min}-{max}]");
                }

                if (range.End != 0 && (range.End < range.Start || range.End > max))
                {
                    errors.Add($"{field} End is before Start or not in range [{min}-{max}]");
                }

                if (range.Step < 0)
                {
                    errors.Add($"{field} has invalid Step");
                }
            }
        }

        Check(calendar.Second, "Second", 0, 59);
        Check(calendar.Minute, "Minute", 0, 59);
        Check(calendar.Hour, "Hour", 0, 23);
        Check(calendar.DayOfMonth, "DayOfMonth", 1, 31);
        Check(calendar.Month, "Month", 1, 12);
        Check(calendar.Year, "Year", CalendarText.MinYear, CalendarText.MaxYear);
        Check(calendar.DayOfWeek, "DayOfWeek", 0, 6);
        if (calendar.Comment.Length > 200)
        {
            errors.Add("comment is too long");
        }

        if (errors.Count > 0)
        {
            throw new FormatException("invalid calendar spec: " + string.Join(", ", errors));
        }
    }

    private static void Clean(StructuredCalendarSpec calendar)
    {
        foreach (var range in calendar.Second.Concat(calendar.Minute).Concat(calendar.Hour).Concat(calendar.DayOfMonth)
                     .Concat(calendar.Month).Concat(calendar.Year).Concat(calendar.DayOfWeek))
        {
            if (range.End < range.Start)
            {
                range.End = range.Start;
            }

            if (range.Step == 0)
            {
                range.Step = 1;
            }
        }
    }

    private static void Validate(IntervalSpec interval)
    {
        var every = interval.Interval?.ToTimeSpan() ?? TimeSpan.Zero;
        var phase = interval.Phase?.ToTimeSpan() ?? TimeSpan.Zero;
        if (every < TimeSpan.FromSeconds(1))
        {
            throw new FormatException("interval is too small");
        }

        if (phase < TimeSpan.Zero)
        {
            throw new FormatException("phase is negative");
        }

        if (phase >= every)
        {
            throw new FormatException("phase cannot be greater than Interval");
        }
    }
}
