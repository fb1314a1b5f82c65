using OmniFlow.Stress;

namespace OmniFlow.Tests.Stress;

public sealed class LatencyHistogramTests
{
    [Fact]
    public void Small_values_are_exact()
    {
        var histogram = new LatencyHistogram();
        foreach (var value in Enumerable.Range(1, 100))
        {
            histogram.Record(value);
        }

        Assert.Equal(100, histogram.Count);
        Assert.Equal(50, histogram.ValueAtPercentile(50));
        Assert.Equal(90, histogram.ValueAtPercentile(90));
        Assert.Equal(99, histogram.ValueAtPercentile(99));
        Assert.Equal(100, histogram.ValueAtPercentile(100));
        Assert.Equal(1, histogram.ValueAtPercentile(0));
        Assert.Equal(100, histogram.Max);
    }

    [Theory]
    [InlineData(1_000)]
    [InlineData(123_456)]
    [InlineData(9_876_543)]
    [InlineData(3_600_000_000)]
    public void Large_values_are_within_two_percent(long value)
    {
        var histogram = new LatencyHistogram();
        histogram.Record(value);
        histogram.Record(value * 3);

        var p50 = histogram.ValueAtPercentile(50);

        Assert.InRange(p50, value, value * 1.02);
        Assert.Equal(value * 3, histogram.ValueAtPercentile(100));
    }

    [Fact]
    public void Percentiles_match_a_sorted_array_of_a_skewed_distribution()
    {
        var random = new Random(42);
        var values = Enumerable.Range(0, 50_000).Select(_ => (long)Math.Exp(random.NextDouble() * 14)).ToArray();
        var histogram = new LatencyHistogram();
        foreach (var value in values)
        {
            histogram.Record(value);
        }

        Array.Sort(values);
        foreach (var percentile in (double[])[50, 90, 99, 99.9])
        {
            var exact = values[(int)Math.Ceiling(percentile / 100 * values.Length) - 1];
            Assert.InRange(histogram.ValueAtPercentile(percentile), exact, Math.Max(exact * 1.02, exact + 1));
        }

        Assert.Equal(values[^1], histogram.Max);
        Assert.Equal(values[0], histogram.Min);
    }

    [Fact]
    public void Recording_from_many_threads_loses_nothing()
    {
        var histogram = new LatencyHistogram();

        Parallel.For(0, 100_000, index => histogram.Record(index % 1000));

        Assert.Equal(100_000, histogram.Count);
        Assert.Equal(999, histogram.Max);
        Assert.Equal(0, histogram.Min);
    }

    [Fact]
    public void An_empty_histogram_reports_zero_and_bad_percentiles_are_refused()
    {
        var histogram = new LatencyHistogram();

        Assert.Equal(0, histogram.ValueAtPercentile(99));
        Assert.Throws<ArgumentOutOfRangeException>(() => histogram.ValueAtPercentile(101));
        Assert.Throws<ArgumentOutOfRangeException>(() => histogram.ValueAtPercentile(-1));
    }

    [Fact]
    public void Negative_and_huge_values_are_clamped()
    {
        var histogram = new LatencyHistogram();
        histogram.Record(-5);
        histogram.Record(long.MaxValue);

        Assert.Equal(0, histogram.ValueAtPercentile(50));
        Assert.Equal(LatencyHistogram.HighestTrackable, histogram.Max);
    }
}
