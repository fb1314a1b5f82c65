using System.Text.RegularExpressions;

namespace OmniFlow.Api.Infrastructure;

/// <summary>Field errors collected the way ValidationProblem reports them.</summary>
public sealed partial class Validation
{
    private Dictionary<string, string[]>? errors;

    public bool IsValid => errors is null;

    public IDictionary<string, string[]> Errors => errors ?? [];

    public static bool IsSku(string? value) => value is not null && SkuPattern().IsMatch(value);

    /// <summary>
    /// 1 to <paramref name="maxLength"/> characters, not all blank, and printable: no control characters (NUL, CR, LF,
    /// DEL, C1), no bidi controls (U+202A–U+202E, U+2066–U+2069) and no unpaired surrogates.
    /// </summary>
    public static bool IsPlainText(string? value, int maxLength)
    {
        if (string.IsNullOrWhiteSpace(value) || value.Length > maxLength)
        {
            return false;
        }

        for (var i = 0; i < value.Length; i++)
        {
            var character = value[i];
            if (char.IsControl(character) || character is (>= '\u202A' and <= '\u202E') or (>= '\u2066' and <= '\u2069'))
            {
                return false;
            }

            if (char.IsSurrogate(character))
            {
                if (!char.IsHighSurrogate(character) || i + 1 == value.Length || !char.IsLowSurrogate(value[i + 1]))
                {
                    return false;
                }

                i++;
            }
        }

        return true;
    }

    public static string PlainTextRule(string field, int maxLength) =>
        $"The {field} must be 1 to {maxLength} printable characters (no control or bidi characters).";

    /// <summary>A money amount: at most 2 decimal places.</summary>
    public static bool IsCents(decimal value) => decimal.Round(value, 2) == value;

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

    // \z, not $: in .NET "$" also matches before a final newline.
    [GeneratedRegex(@"^[A-Za-z0-9_-]{1,64}\z")]
    private static partial Regex SkuPattern();
}
