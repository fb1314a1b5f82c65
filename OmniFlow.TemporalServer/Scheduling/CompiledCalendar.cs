using Temporalio.Api.Schedule.V1;

namespace OmniFlow.TemporalServer.Scheduling;

/// <summary>
/// One structured calendar in a time zone: whether an instant matches it, and the first matching instant (whole
/// seconds) after a given one. A local time that does not exist (a DST gap) is passed over; a repeated local time
/// (DST fall-back) matches its first occurrence.
/// </summary>
public sealed class CompiledCalendar
{
    private readonly TimeZoneInfo _zone;
    private readonly ulong _second, _minute, _hour, _dayOfMonth, _month, _dayOfWeek;
    private readonly HashSet<int>? _years;

    public CompiledCalendar(StructuredCalendarSpec calendar, TimeZoneInfo zone)
    {
        _zone = zone;
        _second = Bits(calendar.Second);
        _minute = Bits(calendar.Minute);
        _hour = Bits(calendar.Hour);
        _dayOfMonth = Bits(calendar.DayOfMonth);
        _month = Bits(calendar.Month);
        _dayOfWeek = Bits(calendar.DayOfWeek);
        _years = calendar.Year.Count == 0 ? null : [.. Values(calendar.Year)];
    }

    public bool Matches(DateTimeOffset instant)
    {
        var local = TimeZoneInfo.ConvertTime(instant, _zone).DateTime;
        return YearMatches(local.Year) && Has(_month, local.Month) && DayMatches(local) &&
               Has(_hour, local.Hour) && Has(_minute, local.Minute) && Has(_second, local.Second);
    }

    public DateTimeOffset? Next(DateTimeOffset after)
    {
        var afterLocal = TimeZoneInfo.ConvertTime(after, _zone).DateTime;
        var t = new DateTime(afterLocal.Ticks - (afterLocal.Ticks % TimeSpan.TicksPerSecond)).AddSeconds(1);
        while (t.Year <= CalendarText.MaxYear)
        {
            if (!YearMatches(t.Year))
            {
                t = new DateTime(t.Year + 1, 1, 1);
            }
            else if (!Has(_month, t.Month))
            {
                t = new DateTime(t.Year, t.Month, 1).AddMonths(1);
            }
            else if (!DayMatches(t))
            {
                t = t.Date.AddDays(1);
            }
            else if (!Has(_hour, t.Hour))
            {
                t = t.Date.AddHours(t.Hour + 1);
            }
            else if (!Has(_minute, t.Minute))
            {
                t = t.Date.AddHours(t.Hour).AddMinutes(t.Minute + 1);
            }
            else if (!Has(_second, t.Second))
            {
                t = t.AddSeconds(1);
            }
            else if (_zone.IsInvalidTime(t))
            {
                t = t.Date.AddHours(t.Hour + 1);
            }
            else
            {
                var offset = _zone.IsAmbiguousTime(t) ? _zone.GetAmbiguousTimeOffsets(t).Max() : _zone.GetUtcOffset(t);
                var instant = new DateTimeOffset(t, offset);
                if (instant > after)
                {
                    return instant.ToUniversalTime();
                }

                t = t.AddSeconds(1);
            }
        }

        return null;
    }

    private bool YearMatches(int year) => _years?.Contains(year) ?? true;

    private bool DayMatches(DateTime local) => Has(_dayOfMonth, local.Day) && Has(_dayOfWeek, (int)local.DayOfWeek);

    private static bool Has(ulong bits, int value) => (bits & (1UL << value)) != 0;

    private static ulong Bits(IEnumerable<Temporalio.Api.Schedule.V1.Range> ranges)
    {
        ulong bits = 0;
        foreach (var value in Values(ranges).Where(v => v is >= 0 and < 64))
        {
            bits |= 1UL << value;
        }

        return bits;
    }

    private static IEnumerable<int> Values(IEnumerable<Temporalio.Api.Schedule.V1.Range> ranges)
    {
        foreach (var range in ranges)
        {
            var step = range.Step <= 0 ? 1 : range.Step;
            var end = range.End < range.Start ? range.Start : range.End;
            for (var value = range.Start; value <= end; value += step)
            {
                yield return value;
            }
        }
    }
}
