namespace OmniFlow.TemporalServer.Visibility;

/// <summary>Ordering, equality and word matching over normalized search attribute values.</summary>
internal static class ValueComparison
{
    /// <summary>The order of two values of compatible types; null when they cannot be compared.</summary>
    public static int? Compare(object? left, object? right) => (left, right) switch
    {
        (string l, string r) => string.CompareOrdinal(l, r),
        (long l, long r) => l.CompareTo(r),
        (long l, double r) => ((double)l).CompareTo(r),
        (double l, long r) => l.CompareTo(r),
        (double l, double r) => l.CompareTo(r),
        (DateTimeOffset l, DateTimeOffset r) => l.CompareTo(r),
        (bool l, bool r) => l.CompareTo(r),
        _ => null,
    };

    public static bool AreEqual(object? left, object? right) => Compare(left, right) == 0;

    /// <summary>Text attributes match word by word, case-insensitively: any query word equal to any stored word.</summary>
    public static bool TextMatches(string stored, string query)
    {
        var storedWords = Words(stored).ToHashSet(StringComparer.OrdinalIgnoreCase);
        return Words(query).Any(storedWords.Contains);
    }

    private static IEnumerable<string> Words(string text) =>
        text.Split(static c => !char.IsLetterOrDigit(c));

    private static string[] Split(this string text, Func<char, bool> isSeparator)
    {
        var words = new List<string>();
        var start = -1;
        for (var i = 0; i <= text.Length; i++)
        {
            var separator = i == text.Length || isSeparator(text[i]);
            if (!separator && start < 0)
            {
                start = i;
            }
            else if (separator && start >= 0)
            {
                words.Add(text[start..i]);
                start = -1;
            }
        }
        return [.. words];
    }
}
