using Google.Protobuf;
using OmniFlow.Tests.TemporalServer.Infrastructure;
using OmniFlow.Tests.TemporalServer.Workflows;
using Temporalio.Api.WorkflowService.V1;
using Temporalio.Client;
using Temporalio.Exceptions;

namespace OmniFlow.Tests.TemporalServer;

/// <summary>Status codes of calls the server cannot serve: unsupported methods, malformed page tokens.</summary>
[Collection(TemporalServerCollection.Name)]
public sealed class ServiceErrorTests(TimeSkippingServerFixture fixture) : IDisposable
{
    private static readonly ByteString Garbage = ByteString.CopyFromUtf8("not a token");

    private readonly ServerHarness _harness = new(fixture.Environment, fixture.Logs);

    public void Dispose() => _harness.Dispose();

    private WorkflowService Service => _harness.Client.Connection.WorkflowService;

    private string Namespace => _harness.Client.Options.Namespace;

    private static async Task AssertCodeAsync(RpcException.StatusCode expected, Func<Task> call) =>
        Assert.Equal(expected, (await Assert.ThrowsAsync<RpcException>(call)).Code);

    [Fact]
    public async Task Unsupported_workflow_service_methods_answer_unimplemented()
    {
        await AssertCodeAsync(RpcException.StatusCode.Unimplemented, () => Service.StartBatchOperationAsync(new StartBatchOperationRequest
        {
            Namespace = Namespace,
            JobId = ServerHarness.NewId("no-batches"),
        }));
        await AssertCodeAsync(RpcException.StatusCode.Unimplemented, () => Service.CreateScheduleAsync(new CreateScheduleRequest
        {
            Namespace = Namespace,
            ScheduleId = ServerHarness.NewId("no-schedules"),
        }));
    }

    [Fact]
    public async Task Malformed_next_page_tokens_are_invalid_arguments()
    {
        var handle = await _harness.Client.StartWorkflowAsync((InboxWorkflow wf) => wf.RunAsync(), _harness.Options());
        var execution = new Temporalio.Api.Common.V1.WorkflowExecution { WorkflowId = handle.Id, RunId = handle.ResultRunId };
        try
        {
            await AssertCodeAsync(RpcException.StatusCode.InvalidArgument, () => Service.GetWorkflowExecutionHistoryAsync(new()
            {
                Namespace = Namespace, Execution = execution, NextPageToken = Garbage,
            }));
            await AssertCodeAsync(RpcException.StatusCode.InvalidArgument, () => Service.GetWorkflowExecutionHistoryReverseAsync(new()
            {
                Namespace = Namespace, Execution = execution, NextPageToken = Garbage,
            }));
            await AssertCodeAsync(RpcException.StatusCode.InvalidArgument, () => Service.ListWorkflowExecutionsAsync(new()
            {
                Namespace = Namespace, NextPageToken = Garbage,
            }));
            await AssertCodeAsync(RpcException.StatusCode.InvalidArgument, () => _harness.Client
                .ListWorkflowsPaginatedAsync($"WorkflowId = '{handle.Id}'", Garbage.ToByteArray()));
        }
        finally
        {
            await handle.TerminateAsync();
        }
    }
}
