using System.Globalization;
using System.Text.RegularExpressions;

namespace OmniFlow.TemporalServer.Scheduling;

/// <summary>Durations written as Go (and Temporal) write them: "90s", "1h30m", "1.5h", "2d" (days allowed).</summary>
public static partial class GoDuration
{
    public static TimeSpan Parse(string text)
    {
        var trimmed = text.Trim();
        var matches = Part().Matches(trimmed);
        if (trimmed.Length == 0 || string.Concat(matches.Select(m => m.Value)) != trimmed)
        {
            throw new FormatException($"invalid duration \"{text}\"");
        }

        var total = TimeSpan.Zero;
        foreach (Match match in matches)
        {
            var value = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
            total += match.Groups[2].Value switch
            {
                "ns" => TimeSpan.FromTicks((long)(value / 100)),
                "us" or "µs" => TimeSpan.FromTicks((long)(value * 10)),
                "ms" => TimeSpan.FromMilliseconds(value),
                "s" => TimeSpan.FromSeconds(value),
                "m" => TimeSpan.FromMinutes(value),
                "h" => TimeSpan.FromHours(value),
                _ => TimeSpan.FromDays(value),
            };
        }

        return total;
    }

    [GeneratedRegex(@"(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h|d)")]
    private static partial Regex Part();
}
