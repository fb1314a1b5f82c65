namespace OmniFlow.Stress;

/// <summary>
/// A log-linear histogram of latencies in microseconds (HdrHistogram's idea): values below 2^SubBucketBits are exact,
/// larger ones land in one of 2^SubBucketBits linear sub-buckets of their power of two, so every recorded value is
/// within 1/2^(SubBucketBits-1) (~1.6%) of the truth at any magnitude. Recording is lock-free and thread-safe.
/// </summary>
public sealed class LatencyHistogram
{
    private const int SubBucketBits = 7;
    private const int SubBuckets = 1 << SubBucketBits;
    private const int HalfBuckets = SubBuckets / 2;

    /// <summary>Values are clamped below 2^40 µs (12 days).</summary>
    public const long HighestTrackable = (1L << 40) - 1;

    private const int HighestMagnitude = 39 - SubBucketBits + 1;

    private readonly long[] counts = new long[(HighestMagnitude + 2) * HalfBuckets];
    private long count;
    private long max;
    private long min = long.MaxValue;

    public long Count => Interlocked.Read(ref count);

    public long Max => Interlocked.Read(ref max);

    public long Min => Count == 0 ? 0 : Interlocked.Read(ref min);

    public void Record(long microseconds)
    {
        var value = Math.Clamp(microseconds, 0, HighestTrackable);
        Interlocked.Increment(ref counts[IndexOf(value)]);
        Interlocked.Increment(ref count);
        UpdateMax(value);
        UpdateMin(value);
    }

    /// <summary>The value at <paramref name="percentile"/> (0..100): the highest value of the bucket that reaches it, capped by the max.</summary>
    public long ValueAtPercentile(double percentile)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(percentile, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(percentile, 100);
        if (Count == 0)
        {
            return 0;
        }

        var target = Math.Max(1, (long)Math.Ceiling(percentile / 100 * Count));
        long seen = 0;
        for (var index = 0; index < counts.Length; index++)
        {
            seen += Interlocked.Read(ref counts[index]);
            if (seen >= target)
            {
                return Math.Min(Max, Math.Max(Min, HighestValueIn(index)));
            }
        }

        return Max;
    }

    private static int IndexOf(long value)
    {
        if (value < SubBuckets)
        {
            return (int)value;
        }

        var magnitude = 63 - (int)long.LeadingZeroCount(value) - SubBucketBits + 1;
        var subBucket = (int)(value >> magnitude) - HalfBuckets;
        return (magnitude + 1) * HalfBuckets + subBucket;
    }

    private static long HighestValueIn(int index)
    {
        if (index < SubBuckets)
        {
            return index;
        }

        var magnitude = index / HalfBuckets - 1;
        var subBucket = index % HalfBuckets + HalfBuckets;
        return ((long)(subBucket + 1) << magnitude) - 1;
    }

    private void UpdateMax(long value)
    {
        var current = Interlocked.Read(ref max);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref max, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }

    private void UpdateMin(long value)
    {
        var current = Interlocked.Read(ref min);
        while (value < current)
        {
            var seen = Interlocked.CompareExchange(ref min, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }
}
