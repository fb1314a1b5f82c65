using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Grpc.AspNetCore.Server.Model;
using OmniFlow.TemporalServer.Engine;
using OmniFlow.TemporalServer.Frontend;
using OmniFlow.TemporalServer.Persistence;
using OmniFlow.TemporalServer.Time;

namespace OmniFlow.TemporalServer.Hosting;

/// <summary>
/// The server: Kestrel (HTTP/2 without TLS) serving Temporal's WorkflowService, OperatorService and TestService.
/// <c>await using var server = await TemporalTestServer.StartAsync(new() { TimeSkipping = true });</c>
/// </summary>
public sealed class TemporalTestServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Socket _listener;

    private TemporalTestServer(WebApplication app, Socket listener, string targetAddress)
    {
        _app = app;
        _listener = listener;
        TargetAddress = targetAddress;
    }

    /// <summary>host:port for <c>TemporalClient.ConnectAsync</c>.</summary>
    public string TargetAddress { get; }

    public WorkflowEngine Engine => _app.Services.GetRequiredService<WorkflowEngine>();

    public SchedulingClock Clock => _app.Services.GetRequiredService<SchedulingClock>();

    public static async Task<TemporalTestServer> StartAsync(TemporalServerOptions options, CancellationToken cancellationToken = default)
    {
        if (options.DbFilename is not null && options.TimeSkipping)
        {
            throw new ArgumentException("A state file (DbFilename) needs the real clock, not time skipping.", nameof(options));
        }

        var listener = options.Listener ?? EarlyListener.Bind(options.Host, options.Port);
        var port = ((IPEndPoint)listener.LocalEndPoint!).Port;

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.Sources.Clear();
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(console => console.SingleLine = true);
        builder.Logging.SetMinimumLevel(options.MinimumLogLevel);
        // With this category enabled at any level, ASP.NET Core makes an Activity and a log scope for every request.
        builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.None);
        if (options.ExportTelemetry)
        {
            ServerTelemetry.AddWhenExported(builder);
        }

        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.ListenHandle((ulong)listener.Handle, listen => listen.Protocols = HttpProtocols.Http2);
            kestrel.Limits.Http2.MaxStreamsPerConnection = 10_000;
        });

        var services = builder.Services;
        services.AddGrpc(grpc => grpc.EnableDetailedErrors = true);
        services.AddSingleton(sp => new SchedulingClock(options.TimeSkipping, sp.GetRequiredService<ILogger<SchedulingClock>>(), options.RealTime));
        services.AddSingleton<IClock>(sp => sp.GetRequiredService<SchedulingClock>());
        services.AddSingleton<IStateStore>(sp => options.DbFilename is { } file
            ? new SqliteStateStore(file, sp.GetRequiredService<ILogger<SqliteStateStore>>())
            : NoStateStore.Instance);
        services.AddSingleton(sp => sp.GetRequiredService<IStateStore>() is SqliteStateStore store ? store.Load() : StoredState.Empty);
        services.AddSingleton(sp => new EngineContext(sp.GetRequiredService<IClock>(), sp.GetRequiredService<ILoggerFactory>())
        {
            Store = sp.GetRequiredService<IStateStore>(),
            HistoryCountSuggestContinueAsNew = options.HistoryCountSuggestContinueAsNew,
            HistorySizeSuggestContinueAsNew = options.HistorySizeSuggestContinueAsNew,
        });
        services.AddSingleton(sp => new NamespaceRegistry(
            options.Namespaces,
            options.SearchAttributes,
            sp.GetRequiredService<IStateStore>(),
            sp.GetRequiredService<StoredState>().Namespaces));
        services.AddSingleton<WorkflowEngine>();
        services.AddSingleton<Scheduling.ScheduleRegistry>();
        services.AddSingleton<Scheduling.Scheduler>();
        services.AddSingleton<Scheduling.ScheduleService>();
        AddService<WorkflowServiceHandler>(services);
        AddService<OperatorServiceHandler>(services);
        AddService<TestServiceHandler>(services);

        var app = builder.Build();
        Recover(app.Services);
        app.MapGrpcService<WorkflowServiceHandler>();
        app.MapGrpcService<OperatorServiceHandler>();
        app.MapGrpcService<TestServiceHandler>();
        await app.StartAsync(cancellationToken);
        return new TemporalTestServer(app, listener, $"{options.Host}:{port}");
    }

    /// <summary>With a state file: the stored runs and schedules come back before anyone is answered, then the writer starts.</summary>
    private static void Recover(IServiceProvider services)
    {
        if (services.GetRequiredService<IStateStore>() is not SqliteStateStore store)
        {
            return;
        }

        var stored = services.GetRequiredService<StoredState>();
        var engine = services.GetRequiredService<WorkflowEngine>();
        // The scheduler first: it watches the closes of the runs it started, and restored runs may close at once.
        var scheduler = services.GetRequiredService<Scheduling.Scheduler>();
        engine.Restore(stored.Runs);
        scheduler.Restore(stored.Schedules, services.GetRequiredService<Scheduling.ScheduleRegistry>());
        foreach (var ns in engine.Namespaces.All)
        {
            // Namespaces and search attributes given on the command line are kept too.
            ns.Changed();
        }

        store.Start();
    }

    private static void AddService<TService>(IServiceCollection services)
        where TService : class, IDescribedService
    {
        services.AddSingleton<TService>();
        services.AddSingleton<IServiceMethodProvider<TService>, DescribedServiceMethodProvider<TService>>();
    }

    public Task WaitForShutdownAsync(CancellationToken cancellationToken = default) => _app.WaitForShutdownAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _listener.Dispose();
    }
}
