using System.Globalization;

namespace OmniFlow.Fulfillment.Orders;

/// <summary>
/// How a moment is written for clients, in answers and in timeline text alike: UTC, milliseconds, <c>Z</c>
/// (<c>2025-06-01T12:30:00.123Z</c>). A running workflow keeps ticks, MySQL/MariaDB microseconds and SQLite (as EF
/// stores a DateTimeOffset) 100 µs; cut to milliseconds a moment reads the same from all three. Cut, never rounded up,
/// so a deadline is never shown later than it is.
/// </summary>
public static class WireTime
{
    public const string Format = "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fff'Z'";

    /// <summary>An unspecified kind is taken as UTC: every moment the system stores is.</summary>
    public static string Text(DateTime at) => ToUtc(at).ToString(Format, CultureInfo.InvariantCulture);

    public static string Text(DateTimeOffset at) => at.UtcDateTime.ToString(Format, CultureInfo.InvariantCulture);

    private static DateTime ToUtc(DateTime at) => at.Kind switch
    {
        DateTimeKind.Local => at.ToUniversalTime(),
        _ => DateTime.SpecifyKind(at, DateTimeKind.Utc),
    };
}
