using Temporalio.Api.Schedule.V1;

namespace OmniFlow.TemporalServer.Scheduling;

/// <summary>
/// The text forms of a calendar: <see cref="CalendarSpec"/> fields ("*/5", "1-5", "mon-fri", "1,15") parsed into the
/// ranges of a <see cref="StructuredCalendarSpec"/>, with the real server's defaults (second, minute and hour 0; every
/// other field *; every year as no year ranges).
/// </summary>
public static class CalendarText
{
    public const int MinYear = 2000;
    public const int MaxYear = 2100;

    private enum Mode
    {
        Int,
        Year,
        Month,
        DayOfWeek,
    }

    private static readonly string[] Months =
        ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"];

    private static readonly string[] Days = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"];

    public static StructuredCalendarSpec ToStructured(CalendarSpec calendar)
    {
        var errors = new List<string>();
        var structured = new StructuredCalendarSpec { Comment = calendar.Comment ?? "" };
        structured.Second.Add(Ranges(calendar.Second, "Second", "0", 0, 59, Mode.Int, errors));
        structured.Minute.Add(Ranges(calendar.Minute, "Minute", "0", 0, 59, Mode.Int, errors));
        structured.Hour.Add(Ranges(calendar.Hour, "Hour", "0", 0, 23, Mode.Int, errors));
        structured.DayOfWeek.Add(Ranges(calendar.DayOfWeek, "DayOfWeek", "*", 0, 7, Mode.DayOfWeek, errors));
        structured.DayOfMonth.Add(Ranges(calendar.DayOfMonth, "DayOfMonth", "*", 1, 31, Mode.Int, errors));
        structured.Month.Add(Ranges(calendar.Month, "Month", "*", 1, 12, Mode.Month, errors));
        structured.Year.Add(Ranges(calendar.Year, "Year", "*", MinYear, MaxYear, Mode.Year, errors));
        return errors.Count > 0 ? throw new FormatException(string.Join(", ", errors)) : structured;
    }

    private static List<Temporalio.Api.Schedule.V1.Range> Ranges(string? text, string field, string fallback, int min, int max, Mode mode, List<string> errors)
    {
        try
        {
            return Parse(text, field, fallback, min, max, mode);
        }
        catch (FormatException ex)
        {
            errors.Add(ex.Message);
            return [];
        }
    }

    private static List<Temporalio.Api.Schedule.V1.Range> Parse(string? text, string field, string fallback, int min, int max, Mode mode)
    {
        text = string.IsNullOrWhiteSpace(text) ? fallback : text.Trim();
        var ranges = new List<Temporalio.Api.Schedule.V1.Range>();
        if (text == "*" && mode == Mode.Year)
        {
            return ranges;
        }

        foreach (var rawPart in text.Split(','))
        {
            var part = rawPart;
            var step = 1;
            var hasStep = false;
            var slash = part.Split('/');
            if (slash.Length > 2)
            {
                throw new FormatException($"{field} has too many slashes");
            }

            if (slash.Length == 2)
            {
                if (slash[1].Length == 0)
                {
                    throw new FormatException($"{field} missing step value");
                }

                if (!int.TryParse(slash[1], out step) || step < 1)
                {
                    throw new FormatException($"{field} has invalid Step");
                }

                part = slash[0];
                hasStep = true;
            }

            int start = min, end = max;
            if (part != "*")
            {
                var dash = part.Split('-');
                if (dash.Length > 2)
                {
                    throw new FormatException($"{field} has too many dashes");
                }

                if (dash.Length == 2)
                {
                    start = Value(dash[0], min, max, mode) ?? throw new FormatException($"{field} Start is not in range [{min}-{max}]");
                    end = Value(dash[1], start, max, mode) ?? throw new FormatException($"{field} End is before Start or not in range [{min}-{max}]");
                }
                else
                {
                    start = Value(part, min, max, mode) ?? throw new FormatException($"{field} is not in range [{min}-{max}]");
                    if (!hasStep)
                    {
                        end = start;
                    }
                }
            }

            if (mode == Mode.DayOfWeek && end == 7)
            {
                // 7 is Sunday too: fold it onto 0.
                if ((7 - start) % step == 0 && (step > 1 || start > 1))
                {
                    ranges.Add(new Temporalio.Api.Schedule.V1.Range { Start = 0 });
                    if (start == 7)
                    {
                        continue;
                    }
                }

                end = 6;
            }

            ranges.Add(new Temporalio.Api.Schedule.V1.Range
            {
                Start = start,
                End = start == end ? 0 : end,
                Step = step == 1 ? 0 : step,
            });
        }

        return ranges;
    }

    private static int? Value(string text, int min, int max, Mode mode)
    {
        var lower = text.Trim().ToLowerInvariant();
        if (mode == Mode.Month && lower.Length >= 3 && Array.FindIndex(Months, m => m.StartsWith(lower, StringComparison.Ordinal)) is var month and >= 0)
        {
            return month + 1 >= min && month + 1 <= max ? month + 1 : null;
        }

        if (mode == Mode.DayOfWeek && lower.Length >= 2 && Array.FindIndex(Days, d => d.StartsWith(lower, StringComparison.Ordinal)) is var day and >= 0)
        {
            return day >= min && day <= max ? day : null;
        }

        return int.TryParse(lower, out var value) && value >= min && value <= max ? value : null;
    }
}
