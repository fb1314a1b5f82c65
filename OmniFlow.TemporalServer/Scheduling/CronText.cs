using Google.Protobuf.WellKnownTypes;
using Temporalio.Api.Schedule.V1;

namespace OmniFlow.TemporalServer.Scheduling;

/// <summary>
/// A schedule's cron_string translated as the real server does: optional <c>CRON_TZ=</c>/<c>TZ=</c> prefix, a
/// <c># comment</c>, <c>@every interval[/phase]</c>, the predefined <c>@daily</c>-style names, or 5 fields (minute hour
/// day-of-month month day-of-week), 6 (+ year) or 7 (second first, + year).
/// </summary>
public static class CronText
{
    public sealed record Translation(StructuredCalendarSpec? Calendar, IntervalSpec? Interval, string TimeZone);

    public static Translation Parse(string cron)
    {
        var text = cron.Trim();
        var timeZone = "";
        if (text.StartsWith("TZ=", StringComparison.Ordinal) || text.StartsWith("CRON_TZ=", StringComparison.Ordinal))
        {
            var space = text.IndexOf(' ', StringComparison.Ordinal);
            if (space < 0)
            {
                throw new FormatException("CronString has time zone but missing fields");
            }

            timeZone = text[(text.IndexOf('=', StringComparison.Ordinal) + 1)..space];
            text = text[(space + 1)..];
        }

        var comment = "";
        if (text.IndexOf('#', StringComparison.Ordinal) is var hash and >= 0)
        {
            comment = text[(hash + 1)..].Trim();
            text = text[..hash];
        }

        text = text.Trim();
        if (text.StartsWith("@every", StringComparison.Ordinal))
        {
            return new Translation(null, Every(text), "");
        }

        text = text switch
        {
            "@yearly" or "@annually" => "0 0 1 1 *",
            "@monthly" => "0 0 1 * *",
            "@weekly" => "0 0 * * 0",
            "@daily" or "@midnight" => "0 0 * * *",
            "@hourly" => "0 * * * *",
            _ => text,
        };
        var fields = text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        var calendar = new CalendarSpec { Comment = comment };
        switch (fields.Length)
        {
            case 5:
                (calendar.Minute, calendar.Hour, calendar.DayOfMonth, calendar.Month, calendar.DayOfWeek) =
                    (fields[0], fields[1], fields[2], fields[3], fields[4]);
                break;
            case 6:
                (calendar.Minute, calendar.Hour, calendar.DayOfMonth, calendar.Month, calendar.DayOfWeek, calendar.Year) =
                    (fields[0], fields[1], fields[2], fields[3], fields[4], fields[5]);
                break;
            case 7:
                (calendar.Second, calendar.Minute, calendar.Hour, calendar.DayOfMonth, calendar.Month, calendar.DayOfWeek, calendar.Year) =
                    (fields[0], fields[1], fields[2], fields[3], fields[4], fields[5], fields[6]);
                break;
            default:
                throw new FormatException("CronString does not have 5-7 fields");
        }

        return new Translation(CalendarText.ToStructured(calendar), null, timeZone);
    }

    private static IntervalSpec Every(string text)
    {
        var space = text.IndexOf(' ', StringComparison.Ordinal);
        if (space < 0)
        {
            throw new FormatException("CronString does not have interval after @every");
        }

        var parts = text[(space + 1)..].Trim().Split('/', 2);
        var interval = new IntervalSpec { Interval = Duration.FromTimeSpan(GoDuration.Parse(parts[0])) };
        if (parts.Length == 2 && parts[1].Length > 0)
        {
            interval.Phase = Duration.FromTimeSpan(GoDuration.Parse(parts[1]));
        }

        return interval;
    }
}
