using System.Threading.RateLimiting;
using OpenTelemetry.Trace;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// At most <c>Telemetry:TracesPerSecond</c> new traces a second per process (<see cref="DefaultPerSecond"/> unless
/// configured; 0 traces every request). A span that continues a trace follows its parent's decision, so a trace is
/// recorded whole in every process or not at all. The local dashboard stores each span in SQLite for about 0.7 ms of
/// CPU (bench/results.md): a sale's every order traced would starve the sale, and the exporters, timing out against it,
/// would drop spans at random and leave half-traces behind.
/// </summary>
public static class TraceBudget
{
    public const string Key = "Telemetry:TracesPerSecond";

    public const int DefaultPerSecond = 20;

    /// <summary>The sampler for the configured budget: every trace when it is 0, else <see cref="For(RateLimiter)"/>.</summary>
    public static Sampler FromConfiguration(int? perSecond) => (perSecond ?? DefaultPerSecond) switch
    {
        0 => new ParentBasedSampler(new AlwaysOnSampler()),
        > 0 and var budget => For(new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            TokenLimit = budget,
            TokensPerPeriod = budget,
            ReplenishmentPeriod = TimeSpan.FromSeconds(1),
            AutoReplenishment = true,
            QueueLimit = 0,
        })),
        var invalid => throw new ArgumentOutOfRangeException(nameof(perSecond), invalid, $"{Key} must be 0 (every trace) or a positive whole number."),
    };

    /// <summary>New traces take a permit of <paramref name="roots"/> and are dropped without one; the rest follow their parent.</summary>
    public static Sampler For(RateLimiter roots) => new ParentBasedSampler(new RootSampler(roots));

    private sealed class RootSampler(RateLimiter roots) : Sampler
    {
        private static readonly SamplingResult Sampled = new(SamplingDecision.RecordAndSample);
        private static readonly SamplingResult Dropped = new(SamplingDecision.Drop);

        public override SamplingResult ShouldSample(in SamplingParameters samplingParameters)
        {
            using var permit = roots.AttemptAcquire();
            return permit.IsAcquired ? Sampled : Dropped;
        }
    }
}
