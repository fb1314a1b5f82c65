using OmniFlow.TemporalServer.Hosting;
using OmniFlow.Tests.TemporalServer.Infrastructure;
using OmniFlow.Tests.TemporalServer.Workflows;
using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using Temporalio.Worker;

namespace OmniFlow.Tests.TemporalServer;

/// <summary>
/// WorkflowTaskStarted suggests continue-as-new once the history passes the server's limits, as the real server's
/// limit.historyCount.suggestContinueAsNew / limit.historySize.suggestContinueAsNew (server options, and the dev
/// server's --dynamic-config-value). An in-process server with a small limit.
/// </summary>
public sealed class ContinueAsNewSuggestionTests
{
    [Fact]
    public void The_dev_server_takes_the_limits_from_dynamic_config_values()
    {
        var options = CommandLine.Parse([
            "server", "start-dev", "--port", "7000",
            "--dynamic-config-value", "limit.historyCount.suggestContinueAsNew=25",
            "--dynamic-config-value=limit.historySize.suggestContinueAsNew=5000",
            "--dynamic-config-value", "frontend.enableUpdateWorkflowExecution=true",
        ]);
        Assert.Equal(25, options.HistoryCountSuggestContinueAsNew);
        Assert.Equal(5000, options.HistorySizeSuggestContinueAsNew);
        Assert.Equal(7000, options.Port);
        Assert.Equal(4096, CommandLine.Parse(["server", "start-dev"]).HistoryCountSuggestContinueAsNew);
    }

    [Fact]
    public async Task A_workflow_sees_continue_as_new_suggested_once_its_history_passes_the_limit()
    {
        using var logs = new SdkLogSink();
        await using var server = await TemporalTestServer.StartAsync(
            new TemporalServerOptions { Port = 0, TimeSkipping = true, HistoryCountSuggestContinueAsNew = 20 },
            TestContext.Current.CancellationToken);
        var client = await TemporalClient.ConnectAsync(new(server.TargetAddress) { Runtime = logs.Runtime, LoggerFactory = logs.Factory });
        var taskQueue = ServerHarness.NewId("tq");
        using var worker = new TemporalWorker(client, new TemporalWorkerOptions(taskQueue) { LoggerFactory = logs.Factory }.AddWorkflow<SuggestedContinueAsNewWorkflow>());

        var handle = await worker.ExecuteAsync(async () =>
        {
            var handle = await client.StartWorkflowAsync(
                (SuggestedContinueAsNewWorkflow wf) => wf.RunAsync(50), new WorkflowOptions(ServerHarness.NewId("can"), taskQueue));
            Assert.True(await handle.GetResultAsync() > 0, "continue-as-new was never suggested");
            return handle;
        }, TestContext.Current.CancellationToken);

        var events = (await handle.FetchHistoryAsync()).Events.ToList();
        var started = events.Where(e => e.EventType == EventType.WorkflowTaskStarted).ToList();
        Assert.All(started.Where(e => e.EventId <= 20), e => Assert.False(e.WorkflowTaskStartedEventAttributes.SuggestContinueAsNew));
        var suggesting = started.First(e => e.WorkflowTaskStartedEventAttributes.SuggestContinueAsNew);
        Assert.InRange(suggesting.EventId, 21L, 25L);
        Assert.Equal([SuggestContinueAsNewReason.TooManyHistoryEvents], suggesting.WorkflowTaskStartedEventAttributes.SuggestContinueAsNewReasons);

        var replay = await new WorkflowReplayer(new WorkflowReplayerOptions { LoggerFactory = logs.Factory }.AddWorkflow<SuggestedContinueAsNewWorkflow>())
            .ReplayWorkflowAsync(await handle.FetchHistoryAsync(), throwOnReplayFailure: false, TestContext.Current.CancellationToken);
        Assert.Null(replay.ReplayFailure);
        logs.AssertClean();
    }
}
