using Temporalio.Api.Command.V1;
using Temporalio.Api.Enums.V1;

namespace OmniFlow.TemporalServer.Engine;

/// <summary>Checks a workflow task's commands before anything is written; a bad one fails the task with its cause.</summary>
public static class CommandValidation
{
    public sealed record Rejection(WorkflowTaskFailedCause Cause, string Message);

    /// <summary>The commands <c>WorkflowRun.ApplyCommand</c> handles; any other rejects the whole completion before anything is applied.</summary>
    private static readonly HashSet<Command.AttributesOneofCase> Applied =
    [
        Command.AttributesOneofCase.ScheduleActivityTaskCommandAttributes,
        Command.AttributesOneofCase.RequestCancelActivityTaskCommandAttributes,
        Command.AttributesOneofCase.StartTimerCommandAttributes,
        Command.AttributesOneofCase.CancelTimerCommandAttributes,
        Command.AttributesOneofCase.CompleteWorkflowExecutionCommandAttributes,
        Command.AttributesOneofCase.FailWorkflowExecutionCommandAttributes,
        Command.AttributesOneofCase.CancelWorkflowExecutionCommandAttributes,
        Command.AttributesOneofCase.ContinueAsNewWorkflowExecutionCommandAttributes,
        Command.AttributesOneofCase.RecordMarkerCommandAttributes,
        Command.AttributesOneofCase.UpsertWorkflowSearchAttributesCommandAttributes,
        Command.AttributesOneofCase.ModifyWorkflowPropertiesCommandAttributes,
        Command.AttributesOneofCase.StartChildWorkflowExecutionCommandAttributes,
        Command.AttributesOneofCase.SignalExternalWorkflowExecutionCommandAttributes,
        Command.AttributesOneofCase.RequestCancelExternalWorkflowExecutionCommandAttributes,

        // Places an update's message among the commands; its reference is checked with the messages (ValidateUpdateMessages).
        Command.AttributesOneofCase.ProtocolMessageCommandAttributes,
    ];

    public static Rejection? Validate(IEnumerable<Command> commands, Visibility.ISearchAttributeTypes searchAttributes, string namespaceName = "default")
    {
        foreach (var command in commands)
        {
            var rejection = command.AttributesCase switch
            {
                Command.AttributesOneofCase.ScheduleActivityTaskCommandAttributes =>
                    ValidateActivity(command.ScheduleActivityTaskCommandAttributes),
                Command.AttributesOneofCase.StartTimerCommandAttributes =>
                    string.IsNullOrEmpty(command.StartTimerCommandAttributes.TimerId)
                        ? new Rejection(WorkflowTaskFailedCause.BadStartTimerAttributes, "TimerId is not set.")
                        : null,
                Command.AttributesOneofCase.StartChildWorkflowExecutionCommandAttributes =>
                    ValidateChild(command.StartChildWorkflowExecutionCommandAttributes),
                Command.AttributesOneofCase.UpsertWorkflowSearchAttributesCommandAttributes =>
                    ValidateSearchAttributes(command.UpsertWorkflowSearchAttributesCommandAttributes.SearchAttributes, searchAttributes, namespaceName),
                Command.AttributesOneofCase.None =>
                    new Rejection(WorkflowTaskFailedCause.UnhandledCommand, $"Command {command.CommandType} is not supported."),
                Command.AttributesOneofCase.ScheduleNexusOperationCommandAttributes or
                    Command.AttributesOneofCase.RequestCancelNexusOperationCommandAttributes =>
                    new Rejection(WorkflowTaskFailedCause.FeatureDisabled, "Nexus operations disabled"),
                _ => Applied.Contains(command.AttributesCase)
                    ? null
                    : new Rejection(WorkflowTaskFailedCause.UnhandledCommand, $"Command {command.CommandType} is not supported."),
            };
            if (rejection is not null)
            {
                return rejection;
            }
        }

        return null;
    }

    private static Rejection? ValidateActivity(ScheduleActivityTaskCommandAttributes attributes)
    {
        if (string.IsNullOrEmpty(attributes.ActivityId) || string.IsNullOrEmpty(attributes.ActivityType?.Name))
        {
            return new Rejection(WorkflowTaskFailedCause.BadScheduleActivityAttributes, "ActivityId and ActivityType are required.");
        }

        var scheduleToClose = attributes.ScheduleToCloseTimeout?.ToTimeSpan() ?? TimeSpan.Zero;
        var startToClose = attributes.StartToCloseTimeout?.ToTimeSpan() ?? TimeSpan.Zero;
        return scheduleToClose <= TimeSpan.Zero && startToClose <= TimeSpan.Zero
            ? new Rejection(WorkflowTaskFailedCause.BadScheduleActivityAttributes, "A valid StartToClose or ScheduleToClose timeout is not set on the command.")
            : null;
    }

    /// <summary>Unregistered, system or mistyped attributes fail the task (BadSearchAttributes), as on a real server.</summary>
    private static Rejection? ValidateSearchAttributes(Temporalio.Api.Common.V1.SearchAttributes? attributes, Visibility.ISearchAttributeTypes types, string namespaceName)
    {
        try
        {
            Visibility.SearchAttributeValues.Decode(attributes, types, namespaceName);
            return null;
        }
        catch (Visibility.VisibilityQueryException ex)
        {
            return new Rejection(WorkflowTaskFailedCause.BadSearchAttributes, ex.Message);
        }
    }

    private static Rejection? ValidateChild(StartChildWorkflowExecutionCommandAttributes attributes)
    {
        const WorkflowTaskFailedCause cause = WorkflowTaskFailedCause.BadStartChildExecutionAttributes;
        if (string.IsNullOrEmpty(attributes.WorkflowId) || string.IsNullOrEmpty(attributes.WorkflowType?.Name))
        {
            return new Rejection(cause, "WorkflowId and WorkflowType are required.");
        }

        if (attributes.RetryPolicy is { } policy && RetryPolicies.Invalid(policy) is { } invalidPolicy)
        {
            return new Rejection(cause, invalidPolicy);
        }

        return !string.IsNullOrEmpty(attributes.CronSchedule) && !CronSchedules.IsValid(attributes.CronSchedule)
            ? new Rejection(cause, "invalid CronSchedule.")
            : null;
    }
}
