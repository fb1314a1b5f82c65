using Temporalio.Api.Deployment.V1;
using Temporalio.Api.WorkflowService.V1;

namespace OmniFlow.TemporalServer.Engine;

public sealed partial class WorkflowRun
{
    /// <summary>
    /// The worker deployment version a completion carries, recorded on WorkflowTaskCompleted as the real server does
    /// (the SDK replays <c>Workflow.CurrentBuildId</c> from it): the deployment options' name and build id, or the
    /// older deployment (series name and build id).
    /// </summary>
    private static WorkerDeploymentVersion? DeploymentVersionOf(RespondWorkflowTaskCompletedRequest request)
    {
        if (request.DeploymentOptions is { BuildId.Length: > 0 } options)
        {
            return new WorkerDeploymentVersion { DeploymentName = options.DeploymentName, BuildId = options.BuildId };
        }

        return request.Deployment is { BuildId.Length: > 0 } deployment
            ? new WorkerDeploymentVersion { DeploymentName = deployment.SeriesName, BuildId = deployment.BuildId }
            : null;
    }
}
