using System.Text.RegularExpressions;

namespace OmniFlow.Api.Infrastructure;

/// <summary>Field errors collected the way ValidationProblem reports them.</summary>
public sealed partial class Validation
{
    private Dictionary<string, string[]>? errors;

    public bool IsValid => errors is null;

    public IDictionary<string, string[]> Errors => errors ?? [];

    public static bool IsSku(string? value) => value is not null && SkuPattern().IsMatch(value);

    public void Add(string field, string message)
    {
        errors ??= new(StringComparer.Ordinal);
        errors[field] = errors.TryGetValue(field, out var existing) ? [.. existing, message] : [message];
    }

    public void Require(bool condition, string field, string message)
    {
        if (!condition)
        {
            Add(field, message);
        }
    }

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$")]
    private static partial Regex SkuPattern();
}
