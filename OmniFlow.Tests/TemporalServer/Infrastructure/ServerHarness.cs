using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using Temporalio.Common;
using Temporalio.Testing;
using Temporalio.Worker;

namespace OmniFlow.Tests.TemporalServer.Infrastructure;

/// <summary>
/// Runs a worker on a fresh task queue against an environment, and checks what the server wrote. One harness per test:
/// disposing it fails the test when the SDK logged a problem (could not interpret a task, failed a workflow task...)
/// while the test ran.
/// </summary>
public sealed class ServerHarness(WorkflowEnvironment environment, SdkLogSink logs) : IDisposable
{
    private readonly int _logMark = logs.Mark;

    public string TaskQueue { get; } = $"tq-{Guid.NewGuid():N}";

    public ITemporalClient Client => environment.Client;

    public WorkflowEnvironment Environment => environment;

    public SdkLogSink Logs => logs;

    /// <summary>Fails the test when the SDK logged a problem since this harness was made.</summary>
    public void AssertSdkClean() => logs.AssertCleanSince(_logMark);

    public void Dispose() => AssertSdkClean();

    public static string NewId(string prefix) => $"{prefix}-{Guid.NewGuid():N}";

    public WorkflowOptions Options(string? id = null) => new(id ?? NewId("wf"), TaskQueue);

    /// <summary>Runs <paramref name="body"/> while a worker with the given workflows and activities polls.</summary>
    public async Task<T> WithWorkerAsync<T>(Action<TemporalWorkerOptions> configure, Func<Task<T>> body)
    {
        var options = new TemporalWorkerOptions(TaskQueue) { LoggerFactory = logs.Factory };
        configure(options);
        using var worker = new TemporalWorker(environment.Client, options);
        return await worker.ExecuteAsync(body, TestContext.Current.CancellationToken);
    }

    public Task WithWorkerAsync(Action<TemporalWorkerOptions> configure, Func<Task> body) =>
        WithWorkerAsync(configure, async () =>
        {
            await body();
            return true;
        });

    public async Task<WorkflowHistory> HistoryAsync(WorkflowHandle handle) =>
        await Client.GetWorkflowHandle(handle.Id, handle.RunId).FetchHistoryAsync();

    public async Task<IReadOnlyList<EventType>> EventTypesAsync(WorkflowHandle handle) =>
        (await HistoryAsync(handle)).Events.Select(e => e.EventType).ToList();

    /// <summary>Waits (up to 5 s) until <paramref name="condition"/> holds, and fails the test when it never does.</summary>
    public static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        for (var i = 0; i < 200 && !await condition(); i++)
        {
            await Task.Delay(25);
        }

        Assert.True(await condition());
    }

    /// <summary>The history our server wrote must replay cleanly with the same workflow code.</summary>
    public async Task AssertReplaysAsync(WorkflowHandle handle, Action<WorkflowReplayerOptions> addWorkflows)
    {
        var history = await HistoryAsync(handle);
        AssertContiguous(history);
        var options = new WorkflowReplayerOptions { LoggerFactory = logs.Factory };
        addWorkflows(options);
        var result = await new WorkflowReplayer(options).ReplayWorkflowAsync(history, throwOnReplayFailure: false);
        Assert.Null(result.ReplayFailure);
    }

    public static void AssertContiguous(WorkflowHistory history)
    {
        var events = history.Events.ToList();
        for (var i = 0; i < events.Count; i++)
        {
            Assert.Equal(i + 1, events[i].EventId);
            Assert.NotNull(events[i].EventTime);
        }
    }
}
