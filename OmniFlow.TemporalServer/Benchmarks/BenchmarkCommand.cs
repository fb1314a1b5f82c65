using System.Diagnostics;
using OmniFlow.TemporalServer.Hosting;
using Temporalio.Client;
using Temporalio.Worker;

namespace OmniFlow.TemporalServer.Benchmarks;

/// <summary>
/// <c>OmniFlow.TemporalServer bench [--workflows N] [--warmup N] [--db-filename FILE] [--sdk-tracing-listener]</c>:
/// starts the server in-process (real clock), runs a Temporalio worker and client against it, and prints
/// workflows/second for two workflow shapes, then queries/second on open runs of ten activities each. With <c>--db-filename</c> it does so twice in the same run: in memory,
/// then with its state in FILE (a fresh file: an existing one is refused), so the cost of durability is measured under
/// the same load. Each shape is first run <c>--warmup</c> times unmeasured, so the measurement sees steady state
/// rather than the JIT's tiering. Besides workflows/second it prints the process's CPU time and managed allocations
/// per workflow, which the machine's other load disturbs far less.
/// The SDK's workflow tracing EventListener is off unless <c>--sdk-tracing-listener</c>: it turns on TPL event tracing
/// for the whole process, which in this one-process setup taxes every await of the server too, not only the workflows.
/// </summary>
public static class BenchmarkCommand
{
    private const int InFlight = 256;

    public static async Task<int> RunAsync(IReadOnlyList<string> args)
    {
        var count = IntOption(args, "--workflows", 2000);
        var warmup = IntOption(args, "--warmup", 1000);
        var tracingListener = args.Contains("--sdk-tracing-listener");
        var file = StringOption(args, "--db-filename");
        if (file is not null && File.Exists(file))
        {
            await Console.Error.WriteLineAsync($"{file} exists; the benchmark writes a fresh file.");
            return 2;
        }

        Console.WriteLine("in memory");
        await RunShapesAsync(new TemporalServerOptions { Port = 0 }, count, warmup, tracingListener);
        if (file is not null)
        {
            Console.WriteLine($"with --db-filename {file}");
            await RunShapesAsync(new TemporalServerOptions { Port = 0, DbFilename = file }, count, warmup, tracingListener);
        }

        return 0;
    }

    private static async Task RunShapesAsync(TemporalServerOptions options, int count, int warmup, bool tracingListener)
    {
        await using var server = await TemporalTestServer.StartAsync(options);
        // Client, worker and server share one machine: gzip on loopback costs CPU on both ends and saves nothing.
        var client = await TemporalClient.ConnectAsync(new(server.TargetAddress) { GrpcCompression = new GrpcCompression.None() });
        const string taskQueue = "bench";
        using var worker = new TemporalWorker(client, new TemporalWorkerOptions(taskQueue)
        {
            MaxConcurrentWorkflowTasks = 200,
            MaxConcurrentActivities = 200,
            MaxCachedWorkflows = 20_000,
            MaxConcurrentWorkflowTaskPolls = 8,
            MaxConcurrentActivityTaskPolls = 8,
            DisableWorkflowTracingEventListener = !tracingListener,
        }
            .AddWorkflow<OneActivityWorkflow>()
            .AddWorkflow<TimerAndSignalWorkflow>()
            .AddWorkflow<QueriedWorkflow>()
            .AddAllActivities(new BenchmarkActivities()));

        Func<string, Task> oneActivity = async id =>
            await client.ExecuteWorkflowAsync((OneActivityWorkflow wf) => wf.RunAsync(1), new(id, taskQueue));
        Func<string, Task> timerAndSignal = async id =>
        {
            var handle = await client.StartWorkflowAsync((TimerAndSignalWorkflow wf) => wf.RunAsync(), new(id, taskQueue));
            await handle.SignalAsync(wf => wf.GoAsync());
            await handle.GetResultAsync();
        };

        await worker.ExecuteAsync(async () =>
        {
            if (warmup > 0)
            {
                await MeasureAsync("warm-up (one activity)", warmup, oneActivity);
                await MeasureAsync("warm-up (timer + signal)", warmup, timerAndSignal);
            }

            await MeasureAsync("one activity", count, oneActivity);
            await MeasureAsync("timer + signal", count, timerAndSignal);
            await MeasureQueriesAsync(client, taskQueue, count);
        });
    }

    /// <summary>Queries spread over <see cref="InFlight"/> open runs (ten activities, 64 events) that a worker caches, a warm-up round first.</summary>
    private static async Task MeasureQueriesAsync(ITemporalClient client, string taskQueue, int count)
    {
        const int Steps = 10;
        var handles = await Task.WhenAll(Enumerable.Range(0, InFlight).Select(i =>
            client.StartWorkflowAsync((QueriedWorkflow wf) => wf.RunAsync(Steps), new($"queried-{Guid.NewGuid():N}-{i}", taskQueue))));
        await Task.WhenAll(handles.Select(async handle =>
        {
            while (await handle.QueryAsync(wf => wf.Steps) < Steps)
            {
                await Task.Delay(10);
            }
        }));

        var next = 0;
        Func<string, Task> query = async _ => await handles[Interlocked.Increment(ref next) % handles.Length].QueryAsync(wf => wf.Steps);
        await MeasureAsync("warm-up (query)", count, query, "query", "queries");
        await MeasureAsync("query an open run", count, query, "query", "queries");
        await Task.WhenAll(handles.Select(handle => handle.SignalAsync(wf => wf.FinishAsync())));
        await Task.WhenAll(handles.Select(handle => handle.GetResultAsync()));
    }

    private static string? StringOption(IReadOnlyList<string> args, string name)
    {
        for (var i = 0; i < args.Count - 1; i++)
        {
            if (args[i] == name)
            {
                return args[i + 1];
            }
        }

        return null;
    }

    private static int IntOption(IReadOnlyList<string> args, string name, int fallback)
    {
        for (var i = 0; i < args.Count - 1; i++)
        {
            if (args[i] == name && int.TryParse(args[i + 1], out var parsed) && parsed >= 0)
            {
                return parsed;
            }
        }

        return fallback;
    }

    private static async Task MeasureAsync(string name, int count, Func<string, Task> run, string unit = "workflow", string units = "workflows")
    {
        using var gate = new SemaphoreSlim(InFlight);
        var prefix = $"{name.Replace(' ', '-')}-{Guid.NewGuid():N}";
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var allocatedBefore = GC.GetTotalAllocatedBytes();
        var stopwatch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, count).Select(async i =>
        {
            await gate.WaitAsync();
            try
            {
                await run($"{prefix}-{i}");
            }
            finally
            {
                gate.Release();
            }
        }));
        stopwatch.Stop();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
        var allocated = GC.GetTotalAllocatedBytes() - allocatedBefore;
        Console.WriteLine(
            $"{name,-26} {count,6} {units} in {stopwatch.Elapsed.TotalSeconds,6:F2} s = {count / stopwatch.Elapsed.TotalSeconds,6:F0} {units}/s" +
            $" | CPU {cpu.TotalMilliseconds / count,5:F2} ms/{unit} ({cpu / stopwatch.Elapsed,4:F2} cores)" +
            $" | managed allocations {allocated / 1024.0 / count,5:F0} KB/{unit}");
    }
}
