using OmniFlow.Tests.TemporalServer.Infrastructure;
using OmniFlow.Tests.TemporalServer.Workflows;
using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using Temporalio.Common;
using Temporalio.Worker;

namespace OmniFlow.Tests.TemporalServer;

/// <summary>
/// The dev server with a state file, killed with SIGKILL (twice) while hundreds of workflows are in flight and restarted on the
/// same file and port: the SDK's worker and client reconnect, and every workflow completes once, with every signal and
/// update it was sent, every timer fired once, every activity run once, and a history that replays.
/// </summary>
public sealed class DurableRestartTests : IDisposable
{
    private const int Workflows = 300;
    private readonly string _directory = Directory.CreateTempSubdirectory("omniflow-durable-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task A_server_killed_mid_flight_and_restarted_on_its_file_loses_nothing_and_repeats_nothing()
    {
        var port = DevServerProcess.FreePort();
        var file = Path.Combine(_directory, "temporal.db");
        var server = await DevServerProcess.StartAsync(port, file);
        try
        {
            var client = await TemporalClient.ConnectAsync(new(server.Target));
            var taskQueue = ServerHarness.NewId("durable");
            var activities = new DurableActivities();
            using var worker = new TemporalWorker(client, new TemporalWorkerOptions(taskQueue)
                .AddWorkflow<DurableWorkflow>()
                .AddAllActivities(activities));
            using var stop = new CancellationTokenSource();
            var working = worker.ExecuteAsync(stop.Token);

            var handles = await Task.WhenAll(Enumerable.Range(0, Workflows).Select(i =>
                client.StartWorkflowAsync((DurableWorkflow wf) => wf.RunAsync(i), new(ServerHarness.NewId($"durable-{i}"), taskQueue))));
            var signalAttempts = new int[Workflows];
            var sending = Task.WhenAll(handles.Select((handle, i) => SendAsync(handle, i, signalAttempts)));

            // Twice, mid-flight: timers pending and firing, activities running, signals and updates arriving.
            for (var kill = 0; kill < 2; kill++)
            {
                await Task.Delay(TimeSpan.FromSeconds(1.5), TestContext.Current.CancellationToken);
                server.Kill();
                server.Dispose();
                server = await DevServerProcess.StartAsync(port, file);
            }

            await sending.WaitAsync(TimeSpan.FromMinutes(3), TestContext.Current.CancellationToken);
            var results = await Task.WhenAll(handles.Select(h => h.GetResultAsync<string>())).WaitAsync(TimeSpan.FromMinutes(3), TestContext.Current.CancellationToken);
            for (var i = 0; i < Workflows; i++)
            {
                Assert.Equal($"{2 * i}:signal {i}:update {i}", results[i]);
            }

            // Nothing ran twice: one activity run per workflow.
            Assert.Equal(Workflows, activities.Runs.Count);
            Assert.All(activities.Runs, run => Assert.Equal(1, run.Value));

            var histories = new List<WorkflowHistory>();
            for (var i = 0; i < Workflows; i++)
            {
                var history = await handles[i].FetchHistoryAsync();
                ServerHarness.AssertContiguous(history);
                var types = history.Events.Select(e => e.EventType).ToList();
                Assert.Equal(2, types.Count(t => t == EventType.TimerStarted));
                Assert.Equal(2, types.Count(t => t == EventType.TimerFired));
                Assert.Equal(1, types.Count(t => t == EventType.ActivityTaskCompleted));
                Assert.Equal(1, types.Count(t => t == EventType.WorkflowExecutionUpdateAccepted));
                Assert.Equal(1, types.Count(t => t == EventType.WorkflowExecutionUpdateCompleted));
                Assert.Equal(1, types.Count(t => t == EventType.WorkflowExecutionCompleted));
                // A signal is written once per request: only the test's own retries (new requests) may add one.
                Assert.InRange(types.Count(t => t == EventType.WorkflowExecutionSignaled), 1, signalAttempts[i]);
                histories.Add(history);
            }

            var replayer = new WorkflowReplayer(new WorkflowReplayerOptions().AddWorkflow<DurableWorkflow>());
            foreach (var replay in await replayer.ReplayWorkflowsAsync(histories, throwOnReplayFailure: false, TestContext.Current.CancellationToken))
            {
                Assert.Null(replay.ReplayFailure);
            }

            await stop.CancelAsync();
            await working.ContinueWith(_ => { }, TaskScheduler.Default);
        }
        finally
        {
            server.Dispose();
        }
    }

    /// <summary>Sends the workflow's signal and update, each again until the server acknowledges it (it may be down).</summary>
    private static async Task SendAsync(WorkflowHandle<DurableWorkflow> handle, int i, int[] signalAttempts)
    {
        await Task.Delay(TimeSpan.FromMilliseconds(i % 30 * 100));
        await UntilAcknowledgedAsync(() =>
        {
            signalAttempts[i]++;
            return handle.SignalAsync(wf => wf.SignalAsync($"signal {i}"));
        });
        await UntilAcknowledgedAsync(async () =>
        {
            // The same update id every time: a retried update is the same update.
            var answer = await handle.ExecuteUpdateAsync(wf => wf.UpdateAsync($"update {i}"), new($"update-{i}"));
            Assert.Equal($"accepted update {i}", answer);
        });
    }

    private static async Task UntilAcknowledgedAsync(Func<Task> send)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await send();
                return;
            }
            catch (Temporalio.Exceptions.RpcException) when (attempt < 100)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(200));
            }
        }
    }
}
