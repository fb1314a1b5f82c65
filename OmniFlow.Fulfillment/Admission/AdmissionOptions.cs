using Microsoft.Extensions.Options;

namespace OmniFlow.Fulfillment.Admission;

/// <summary>The admission gate's settings, bound from the <c>Sales</c> configuration section.</summary>
public sealed class AdmissionOptions
{
    public const string SectionName = "Sales";

    /// <summary>How many units of one sku one user may be admitted for (<c>Sales:PerUserLimit</c>).</summary>
    public int PerUserLimit { get; set; } = 1;

    /// <summary>How long an admission is kept for <see cref="IAdmissionGate.ReleaseAsync"/> (<c>Sales:AdmissionTtl</c>).</summary>
    public TimeSpan AdmissionTtl { get; set; } = TimeSpan.FromDays(7);

    /// <summary>
    /// How long an instance trusts its local sold-out cache without a restock message (<c>Sales:SoldOutCacheTtl</c>).
    /// Restocks and releases clear it at once; this only bounds how long a lost pub/sub message can hide stock.
    /// </summary>
    public TimeSpan SoldOutCacheTtl { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// The Redis hash tag every gate key and the restock channel start with (<c>Sales:RedisKeyPrefix</c>).
    /// All keys share it, so a multi-sku order is one script in one hash slot, on a single node or a cluster.
    /// </summary>
    public string RedisKeyPrefix { get; set; } = "omniflow:gate";

    /// <summary>What is wrong with these settings, or null.</summary>
    internal string? Problem() =>
        PerUserLimit < 1 ? $"{SectionName}:{nameof(PerUserLimit)} must be at least 1."
        : AdmissionTtl <= TimeSpan.Zero ? $"{SectionName}:{nameof(AdmissionTtl)} must be positive."
        : SoldOutCacheTtl <= TimeSpan.Zero ? $"{SectionName}:{nameof(SoldOutCacheTtl)} must be positive."
        : string.IsNullOrWhiteSpace(RedisKeyPrefix) || RedisKeyPrefix.AsSpan().ContainsAny('{', '}') ? $"{SectionName}:{nameof(RedisKeyPrefix)} must be non-empty and free of braces."
        : null;
}

internal sealed class AdmissionOptionsValidator : IValidateOptions<AdmissionOptions>
{
    public ValidateOptionsResult Validate(string? name, AdmissionOptions options) =>
        options.Problem() is { } problem ? ValidateOptionsResult.Fail(problem) : ValidateOptionsResult.Success;
}
