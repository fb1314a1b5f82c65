using System.Globalization;
using System.Text.RegularExpressions;

namespace OmniFlow.TemporalServer.Visibility;

/// <summary>Parses the textual forms of datetimes (RFC 3339) and durations (Go syntax or hh:mm:ss).</summary>
internal static partial class ValueParsing
{
    private const long NanosecondsPerTick = 100;

    public static DateTimeOffset? ParseDateTime(string text)
    {
        // .NET keeps 7 fractional digits; RFC 3339 allows nanoseconds.
        var trimmed = ExcessFraction().Replace(text.Trim(), "$1");
        return RfcDateTime().IsMatch(trimmed)
            && DateTimeOffset.TryParse(trimmed, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var value)
                ? value.ToUniversalTime()
                : null;
    }

    public static DateTimeOffset FromUnixNanoseconds(long nanoseconds) =>
        DateTimeOffset.UnixEpoch.AddTicks(nanoseconds / NanosecondsPerTick);

    /// <summary>Nanoseconds of "1h30m", "250ms", "1.5s" or "01:30:00"; null when it is neither form.</summary>
    public static long? ParseDurationNanoseconds(string text)
    {
        var trimmed = text.Trim();
        if (ClockDuration().IsMatch(trimmed) && TimeSpan.TryParse(trimmed, CultureInfo.InvariantCulture, out var clock))
        {
            return clock.Ticks * NanosecondsPerTick;
        }
        var parts = GoDurationPart().Matches(trimmed);
        if (parts.Count == 0 || parts.Sum(p => p.Length) != trimmed.Length)
        {
            return null;
        }
        decimal total = 0;
        foreach (Match part in parts)
        {
            total += decimal.Parse(part.Groups[1].Value, CultureInfo.InvariantCulture) * part.Groups[2].Value switch
            {
                "ns" => 1m,
                "us" or "µs" => 1_000m,
                "ms" => 1_000_000m,
                "s" => 1_000_000_000m,
                "m" => 60_000_000_000m,
                _ => 3_600_000_000_000m,
            };
        }
        return (long)total;
    }

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}([Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:?\d{2})?)?$")]
    private static partial Regex RfcDateTime();

    [GeneratedRegex(@"(\.\d{7})\d+")]
    private static partial Regex ExcessFraction();

    [GeneratedRegex(@"^\d+:\d{2}:\d{2}(\.\d+)?$")]
    private static partial Regex ClockDuration();

    [GeneratedRegex(@"(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)")]
    private static partial Regex GoDurationPart();
}
