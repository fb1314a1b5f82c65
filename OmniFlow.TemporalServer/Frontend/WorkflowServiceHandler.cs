using ServiceDescriptor = Google.Protobuf.Reflection.ServiceDescriptor;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Hosting;
using OmniFlow.TemporalServer.Engine;
using OmniFlow.TemporalServer.Hosting;
using OmniFlow.TemporalServer.Scheduling;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.Namespace.V1;
using Temporalio.Api.WorkflowService.V1;

namespace OmniFlow.TemporalServer.Frontend;

/// <summary>temporal.api.workflowservice.v1.WorkflowService: validates, calls the engine, returns its answer.</summary>
public sealed class WorkflowServiceHandler : ServiceHandler, IDescribedService
{
    public static ServiceDescriptor Descriptor => ServiceReflection.Descriptor.Services[0];

    public WorkflowServiceHandler(WorkflowEngine engine, ScheduleService schedules, IHostApplicationLifetime lifetime)
        : base(engine.Context.Store)
    {
        var stopping = lifetime.ApplicationStopping;
        var namespaces = engine.Namespaces;

        Map<GetSystemInfoRequest, GetSystemInfoResponse>("GetSystemInfo", _ => SystemInfo);
        Map<GetClusterInfoRequest, GetClusterInfoResponse>("GetClusterInfo", _ => new GetClusterInfoResponse
        {
            ClusterName = "omniflow",
            ServerVersion = ServerVersion,
            ClusterId = "omniflow",
            PersistenceStore = "memory",
            VisibilityStore = "memory",
        });
        Map<DescribeNamespaceRequest, DescribeNamespaceResponse>("DescribeNamespace", request =>
            Describe(namespaces.Get(request.Namespace)));
        Map<ListNamespacesRequest, ListNamespacesResponse>("ListNamespaces", _ =>
        {
            var response = new ListNamespacesResponse();
            response.Namespaces.Add(namespaces.All.Select(Describe));
            return response;
        });

        Map<StartWorkflowExecutionRequest, StartWorkflowExecutionResponse>("StartWorkflowExecution", engine.StartWorkflow);
        Map<SignalWithStartWorkflowExecutionRequest, SignalWithStartWorkflowExecutionResponse>(
            "SignalWithStartWorkflowExecution", engine.SignalWithStart);
        Map<SignalWorkflowExecutionRequest, SignalWorkflowExecutionResponse>("SignalWorkflowExecution", request =>
        {
            engine.Signal(request);
            return new SignalWorkflowExecutionResponse();
        });
        Map<RequestCancelWorkflowExecutionRequest, RequestCancelWorkflowExecutionResponse>("RequestCancelWorkflowExecution", request =>
        {
            engine.RequestCancel(request);
            return new RequestCancelWorkflowExecutionResponse();
        });
        Map<TerminateWorkflowExecutionRequest, TerminateWorkflowExecutionResponse>("TerminateWorkflowExecution", request =>
        {
            engine.Terminate(request);
            return new TerminateWorkflowExecutionResponse();
        });
        Map<GetWorkflowExecutionHistoryRequest, GetWorkflowExecutionHistoryResponse>("GetWorkflowExecutionHistory", async (request, context) =>
        {
            using var scope = LongPollScope(context, stopping);
            return await engine.GetHistoryAsync(request, scope.Token);
        });
        Map<GetWorkflowExecutionHistoryReverseRequest, GetWorkflowExecutionHistoryReverseResponse>(
            "GetWorkflowExecutionHistoryReverse", engine.GetHistoryReverse);
        Map<QueryWorkflowRequest, QueryWorkflowResponse>("QueryWorkflow", async (request, context) =>
        {
            using var scope = LongPollScope(context, stopping);
            return await engine.QueryAsync(request, scope.Token);
        });
        Map<UpdateWorkflowExecutionRequest, UpdateWorkflowExecutionResponse>("UpdateWorkflowExecution", async (request, context) =>
        {
            using var scope = LongPollScope(context, stopping);
            return await engine.UpdateAsync(request, scope.Token);
        });
        Map<PollWorkflowExecutionUpdateRequest, PollWorkflowExecutionUpdateResponse>("PollWorkflowExecutionUpdate", async (request, context) =>
        {
            using var scope = LongPollScope(context, stopping);
            return await engine.PollUpdateAsync(request, scope.Token);
        });
        Map<ExecuteMultiOperationRequest, ExecuteMultiOperationResponse>("ExecuteMultiOperation", async (request, context) =>
        {
            using var scope = LongPollScope(context, stopping);
            return await engine.ExecuteMultiOperationAsync(request, scope.Token);
        });
        Map<DescribeWorkflowExecutionRequest, DescribeWorkflowExecutionResponse>("DescribeWorkflowExecution", engine.Describe);
        Map<ListWorkflowExecutionsRequest, ListWorkflowExecutionsResponse>("ListWorkflowExecutions", request =>
            VisibilityErrors.Translate(() => engine.List(request)));
        Map<CountWorkflowExecutionsRequest, CountWorkflowExecutionsResponse>("CountWorkflowExecutions", request =>
            VisibilityErrors.Translate(() => engine.Count(request)));

        Map<PollWorkflowTaskQueueRequest, PollWorkflowTaskQueueResponse>("PollWorkflowTaskQueue", async (request, context) =>
        {
            using var scope = LongPollScope(context, stopping);
            return await engine.PollWorkflowTaskAsync(request.Namespace, request.TaskQueue?.Name ?? "", request.Identity, scope.Token);
        });
        Map<RespondWorkflowTaskCompletedRequest, RespondWorkflowTaskCompletedResponse>("RespondWorkflowTaskCompleted", engine.CompleteWorkflowTask);
        Map<RespondWorkflowTaskFailedRequest, RespondWorkflowTaskFailedResponse>("RespondWorkflowTaskFailed", request =>
        {
            engine.FailWorkflowTask(request);
            return new RespondWorkflowTaskFailedResponse();
        });
        Map<RespondQueryTaskCompletedRequest, RespondQueryTaskCompletedResponse>("RespondQueryTaskCompleted", request =>
        {
            engine.CompleteQueryTask(request);
            return new RespondQueryTaskCompletedResponse();
        });
        Map<ResetStickyTaskQueueRequest, ResetStickyTaskQueueResponse>("ResetStickyTaskQueue", request =>
        {
            engine.ResetSticky(request.Namespace, request.Execution);
            return new ResetStickyTaskQueueResponse();
        });
        Map<ShutdownWorkerRequest, ShutdownWorkerResponse>("ShutdownWorker", request =>
        {
            engine.ShutdownWorker(request.Namespace, request.StickyTaskQueue);
            return new ShutdownWorkerResponse();
        });

        Map<PollActivityTaskQueueRequest, PollActivityTaskQueueResponse>("PollActivityTaskQueue", async (request, context) =>
        {
            using var scope = LongPollScope(context, stopping);
            return await engine.PollActivityTaskAsync(request.Namespace, request.TaskQueue?.Name ?? "", request.Identity, scope.Token);
        });
        Map<RecordActivityTaskHeartbeatRequest, RecordActivityTaskHeartbeatResponse>("RecordActivityTaskHeartbeat", request =>
            engine.Heartbeat(new ActivityTarget(request.TaskToken), request.Details));
        Map<RecordActivityTaskHeartbeatByIdRequest, RecordActivityTaskHeartbeatByIdResponse>("RecordActivityTaskHeartbeatById", request =>
        {
            var response = engine.Heartbeat(ById(request.Namespace, request.WorkflowId, request.RunId, request.ActivityId), request.Details);
            return new RecordActivityTaskHeartbeatByIdResponse { CancelRequested = response.CancelRequested };
        });
        Map<RespondActivityTaskCompletedRequest, RespondActivityTaskCompletedResponse>("RespondActivityTaskCompleted", request =>
        {
            engine.CompleteActivity(new ActivityTarget(request.TaskToken), request.Result, request.Identity);
            return new RespondActivityTaskCompletedResponse();
        });
        Map<RespondActivityTaskCompletedByIdRequest, RespondActivityTaskCompletedByIdResponse>("RespondActivityTaskCompletedById", request =>
        {
            engine.CompleteActivity(ById(request.Namespace, request.WorkflowId, request.RunId, request.ActivityId), request.Result, request.Identity);
            return new RespondActivityTaskCompletedByIdResponse();
        });
        Map<RespondActivityTaskFailedRequest, RespondActivityTaskFailedResponse>("RespondActivityTaskFailed", request =>
        {
            engine.FailActivity(new ActivityTarget(request.TaskToken), request.Failure, request.LastHeartbeatDetails, request.Identity);
            return new RespondActivityTaskFailedResponse();
        });
        Map<RespondActivityTaskFailedByIdRequest, RespondActivityTaskFailedByIdResponse>("RespondActivityTaskFailedById", request =>
        {
            engine.FailActivity(ById(request.Namespace, request.WorkflowId, request.RunId, request.ActivityId), request.Failure, request.LastHeartbeatDetails, request.Identity);
            return new RespondActivityTaskFailedByIdResponse();
        });
        Map<RespondActivityTaskCanceledRequest, RespondActivityTaskCanceledResponse>("RespondActivityTaskCanceled", request =>
        {
            engine.CancelActivity(new ActivityTarget(request.TaskToken), request.Details, request.Identity);
            return new RespondActivityTaskCanceledResponse();
        });
        Map<RespondActivityTaskCanceledByIdRequest, RespondActivityTaskCanceledByIdResponse>("RespondActivityTaskCanceledById", request =>
        {
            engine.CancelActivity(ById(request.Namespace, request.WorkflowId, request.RunId, request.ActivityId), request.Details, request.Identity);
            return new RespondActivityTaskCanceledByIdResponse();
        });

        Map<CreateScheduleRequest, CreateScheduleResponse>("CreateSchedule", schedules.Create);
        Map<DescribeScheduleRequest, DescribeScheduleResponse>("DescribeSchedule", schedules.Describe);
        Map<UpdateScheduleRequest, UpdateScheduleResponse>("UpdateSchedule", schedules.Update);
        Map<PatchScheduleRequest, PatchScheduleResponse>("PatchSchedule", schedules.Patch);
        Map<DeleteScheduleRequest, DeleteScheduleResponse>("DeleteSchedule", schedules.Delete);
        Map<ListSchedulesRequest, ListSchedulesResponse>("ListSchedules", request => VisibilityErrors.Translate(() => schedules.List(request)));
        Map<ListScheduleMatchingTimesRequest, ListScheduleMatchingTimesResponse>("ListScheduleMatchingTimes", schedules.MatchingTimes);
    }

    private const string ServerVersion = "1.25.0";

    private static ActivityTarget ById(string ns, string workflowId, string runId, string activityId)
    {
        if (string.IsNullOrEmpty(workflowId) || string.IsNullOrEmpty(activityId))
        {
            throw Errors.InvalidArgument("WorkflowId and ActivityId are required.");
        }

        return new ActivityTarget(null, ns, workflowId, runId, activityId);
    }

    private static GetSystemInfoResponse SystemInfo { get; } = new()
    {
        ServerVersion = ServerVersion,
        Capabilities = new GetSystemInfoResponse.Types.Capabilities
        {
            SignalAndQueryHeader = true,
            InternalErrorDifferentiation = true,
            ActivityFailureIncludeHeartbeat = true,
            SupportsSchedules = true,
            EncodedFailureAttributes = true,
            BuildIdBasedVersioning = true,
            UpsertMemo = true,
            EagerWorkflowStart = false,
            SdkMetadata = true,
            CountGroupByExecutionStatus = true,
        },
    };

    private static DescribeNamespaceResponse Describe(WorkflowNamespace ns) => new()
    {
        NamespaceInfo = new NamespaceInfo { Name = ns.Name, Id = ns.Id, State = NamespaceState.Registered },
        Config = new NamespaceConfig { WorkflowExecutionRetentionTtl = Duration.FromTimeSpan(TimeSpan.FromDays(1)) },
    };

}
