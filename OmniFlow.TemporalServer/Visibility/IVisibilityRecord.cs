namespace OmniFlow.TemporalServer.Visibility;

/// <summary>
/// One workflow run as the visibility layer sees it. Values are CLR values: string for Keyword and Text attributes
/// (ExecutionStatus as a status name such as "Running"), DateTimeOffset for Datetime, long for Int (ExecutionDuration
/// in nanoseconds), double for Double, bool for Bool, IReadOnlyList&lt;string&gt; for KeywordList; null when absent.
/// </summary>
public interface IVisibilityRecord
{
    object? GetValue(string name);
}
