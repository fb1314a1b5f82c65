using OmniFlow.TemporalServer.Visibility;
using Temporalio.Api.Workflow.V1;

namespace OmniFlow.TemporalServer.Engine;

/// <summary>A run's indexed fields, copied under its lock so a list query reads a consistent snapshot.</summary>
public sealed class RunVisibilityRecord : IVisibilityRecord
{
    private readonly Dictionary<string, object?> _values;

    private RunVisibilityRecord(Dictionary<string, object?> values, WorkflowExecutionInfo info)
    {
        _values = values;
        Info = info;
    }

    public WorkflowExecutionInfo Info { get; }

    public object? GetValue(string name) => _values.GetValueOrDefault(name);

    /// <summary>Call under the run's lock.</summary>
    public static RunVisibilityRecord Of(WorkflowRun run, ISearchAttributeTypes types)
    {
        var values = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (name, payload) in run.SearchAttributes.IndexedFields)
        {
            if (types.TryGetType(name, out var type))
            {
                try
                {
                    values[name] = SearchAttributeValues.Decode(name, payload, type);
                }
                catch (VisibilityQueryException)
                {
                    // A value the current registry cannot read is simply not indexed.
                }
            }
        }

        values[SystemSearchAttributes.WorkflowId] = run.WorkflowId;
        values[SystemSearchAttributes.RunId] = run.RunId;
        values[SystemSearchAttributes.WorkflowType] = run.Started.WorkflowType.Name;
        values[SystemSearchAttributes.ExecutionStatus] = run.Status.ToString();
        values[SystemSearchAttributes.TaskQueue] = run.TaskQueueName;
        values[SystemSearchAttributes.StartTime] = run.StartTime;
        values[SystemSearchAttributes.ExecutionTime] = run.ExecutionTime;
        values[SystemSearchAttributes.CloseTime] = run.CloseTime;
        values[SystemSearchAttributes.HistoryLength] = run.History.LastEventId;
        if (run.CloseTime is { } closed)
        {
            values[SystemSearchAttributes.ExecutionDuration] = (closed - run.ExecutionTime).Ticks * 100;
        }

        if (run.Parent is { } parent)
        {
            values[SystemSearchAttributes.ParentWorkflowId] = parent.Execution.WorkflowId;
            values[SystemSearchAttributes.ParentRunId] = parent.Execution.RunId;
        }

        return new RunVisibilityRecord(values, run.ToExecutionInfo());
    }
}
