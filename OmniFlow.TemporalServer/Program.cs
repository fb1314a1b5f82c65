using OmniFlow.TemporalServer.Benchmarks;
using OmniFlow.TemporalServer.Hosting;

if (args is ["bench", ..])
{
    return await BenchmarkCommand.RunAsync(args);
}

var options = CommandLine.Parse(args);
options = options with { Listener = EarlyListener.Bind(options.Host, options.Port), ExportTelemetry = true };
await using var server = await TemporalTestServer.StartAsync(options);
await server.WaitForShutdownAsync();
return 0;
