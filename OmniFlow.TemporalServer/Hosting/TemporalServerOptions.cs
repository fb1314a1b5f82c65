using Microsoft.Extensions.Logging;

namespace OmniFlow.TemporalServer.Hosting;

public sealed record TemporalServerOptions
{
    /// <summary>0 picks a free port.</summary>
    public int Port { get; init; }

    public string Host { get; init; } = "127.0.0.1";

    /// <summary>Virtual time that jumps ahead whenever nothing is in flight (the test server); otherwise real time.</summary>
    public bool TimeSkipping { get; init; }

    /// <summary>The real time the server's clock follows; tests may give one they control.</summary>
    public TimeProvider RealTime { get; init; } = TimeProvider.System;

    /// <summary>
    /// The SQLite file that keeps the server's state across restarts (the dev server's --db-filename); null keeps it
    /// in memory. Not with time skipping.
    /// </summary>
    public string? DbFilename { get; init; }

    /// <summary>Namespaces besides "default".</summary>
    public IReadOnlyList<string> Namespaces { get; init; } = [];

    /// <summary>Custom search attributes registered at start (name → type name, as the dev server's --search-attribute).</summary>
    public IReadOnlyDictionary<string, string> SearchAttributes { get; init; } = new Dictionary<string, string>();

    /// <summary>History length from which WorkflowTaskStarted suggests continue-as-new (the real server's limit.historyCount.suggestContinueAsNew).</summary>
    public int HistoryCountSuggestContinueAsNew { get; init; } = 4 * 1024;

    /// <summary>History size in bytes from which WorkflowTaskStarted suggests continue-as-new (limit.historySize.suggestContinueAsNew).</summary>
    public long HistorySizeSuggestContinueAsNew { get; init; } = 4 * 1024 * 1024;

    /// <summary>Export logs and metrics over OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set (the executable does; tests in-process do not).</summary>
    public bool ExportTelemetry { get; init; }

    public LogLevel MinimumLogLevel { get; init; } = LogLevel.Warning;

    /// <summary>An already bound listening socket (see <see cref="EarlyListener"/>); Host and Port are ignored then.</summary>
    public System.Net.Sockets.Socket? Listener { get; init; }
}
