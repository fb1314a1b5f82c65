using System.Collections.Frozen;
using Temporalio.Api.Enums.V1;

namespace OmniFlow.TemporalServer.Visibility;

/// <summary>The search attributes every namespace has, as the real server defines them.</summary>
public static class SystemSearchAttributes
{
    public const string WorkflowId = nameof(WorkflowId);
    public const string RunId = nameof(RunId);
    public const string WorkflowType = nameof(WorkflowType);
    public const string ExecutionStatus = nameof(ExecutionStatus);
    public const string TaskQueue = nameof(TaskQueue);
    public const string StartTime = nameof(StartTime);
    public const string CloseTime = nameof(CloseTime);
    public const string ExecutionTime = nameof(ExecutionTime);
    public const string ExecutionDuration = nameof(ExecutionDuration);
    public const string HistoryLength = nameof(HistoryLength);
    public const string HistorySizeBytes = nameof(HistorySizeBytes);
    public const string StateTransitionCount = nameof(StateTransitionCount);
    public const string ParentWorkflowId = nameof(ParentWorkflowId);
    public const string ParentRunId = nameof(ParentRunId);
    public const string RootWorkflowId = nameof(RootWorkflowId);
    public const string RootRunId = nameof(RootRunId);

    /// <summary>Written by the server from the run itself; start and upsert requests may not set them.</summary>
    public static FrozenDictionary<string, IndexedValueType> ServerMaintained { get; } = new Dictionary<string, IndexedValueType>
    {
        [WorkflowId] = IndexedValueType.Keyword,
        [RunId] = IndexedValueType.Keyword,
        [WorkflowType] = IndexedValueType.Keyword,
        [ExecutionStatus] = IndexedValueType.Keyword,
        [TaskQueue] = IndexedValueType.Keyword,
        [StartTime] = IndexedValueType.Datetime,
        [CloseTime] = IndexedValueType.Datetime,
        [ExecutionTime] = IndexedValueType.Datetime,
        [ExecutionDuration] = IndexedValueType.Int,
        [HistoryLength] = IndexedValueType.Int,
        [HistorySizeBytes] = IndexedValueType.Int,
        [StateTransitionCount] = IndexedValueType.Int,
        [ParentWorkflowId] = IndexedValueType.Keyword,
        [ParentRunId] = IndexedValueType.Keyword,
        [RootWorkflowId] = IndexedValueType.Keyword,
        [RootRunId] = IndexedValueType.Keyword,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>Predefined for SDK and server features (patching, build ids, schedules, batch jobs); settable.</summary>
    public static FrozenDictionary<string, IndexedValueType> Predefined { get; } = new Dictionary<string, IndexedValueType>
    {
        ["TemporalChangeVersion"] = IndexedValueType.KeywordList,
        ["BinaryChecksums"] = IndexedValueType.KeywordList,
        ["BuildIds"] = IndexedValueType.KeywordList,
        ["BatcherNamespace"] = IndexedValueType.Keyword,
        ["BatcherUser"] = IndexedValueType.Keyword,
        ["TemporalNamespaceDivision"] = IndexedValueType.Keyword,
        ["TemporalScheduledStartTime"] = IndexedValueType.Datetime,
        ["TemporalScheduledById"] = IndexedValueType.Keyword,
        ["TemporalSchedulePaused"] = IndexedValueType.Bool,
        ["TemporalWorkerDeployment"] = IndexedValueType.Keyword,
        ["TemporalWorkerDeploymentVersion"] = IndexedValueType.Keyword,
        ["TemporalWorkflowVersioningBehavior"] = IndexedValueType.Keyword,
        ["TemporalPauseInfo"] = IndexedValueType.KeywordList,
        ["TemporalReportedProblems"] = IndexedValueType.KeywordList,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    public static FrozenDictionary<string, IndexedValueType> All { get; } =
        ServerMaintained.Concat(Predefined).ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>Names that are neither queryable nor available for custom attributes.</summary>
    public static FrozenSet<string> Reserved { get; } =
        new[] { "NamespaceId", "Memo", "MemoEncoding", "VisibilityTaskKey" }.ToFrozenSet(StringComparer.Ordinal);

    /// <summary>The canonical status name ("Running", "TimedOut", ...) for a status literal, case-insensitively.</summary>
    public static string? CanonicalStatusName(string text) =>
        Enum.GetNames<WorkflowExecutionStatus>().FirstOrDefault(name =>
            name != nameof(WorkflowExecutionStatus.Unspecified) && name.Equals(text, StringComparison.OrdinalIgnoreCase));
}
