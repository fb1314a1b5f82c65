using System.Globalization;

namespace OmniFlow.Fulfillment.Orders;

/// <summary>
/// How a moment is written for clients, in answers and in timeline text alike: UTC, microseconds, <c>Z</c>
/// (<c>2025-06-01T12:30:00.123456Z</c>). Microseconds are what MySQL/MariaDB keep, so a moment reads the same from a
/// running workflow (ticks) and from the database once the order has closed; the extra digit is cut, never rounded up,
/// so a deadline is never shown later than it is.
/// </summary>
public static class WireTime
{
    public const string Format = "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'ffffff'Z'";

    /// <summary>An unspecified kind is taken as UTC: every moment the system stores is.</summary>
    public static string Text(DateTime at) => ToUtc(at).ToString(Format, CultureInfo.InvariantCulture);

    public static string Text(DateTimeOffset at) => at.UtcDateTime.ToString(Format, CultureInfo.InvariantCulture);

    private static DateTime ToUtc(DateTime at) => at.Kind switch
    {
        DateTimeKind.Local => at.ToUniversalTime(),
        _ => DateTime.SpecifyKind(at, DateTimeKind.Utc),
    };
}
