using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Temporalio.Runtime;

namespace OmniFlow.Tests.TemporalServer.Infrastructure;

/// <summary>
/// Collects what the SDK (and its Rust core, through log forwarding) logs, so a test fails when the SDK says it could
/// not interpret a task or that a workflow task failed unexpectedly.
/// </summary>
public sealed class SdkLogSink : ILoggerProvider
{
    private static readonly string[] Alarming =
    [
        "couldn't interpret",
        "Failing workflow task",
        "Nondeterminism",
        "nondeterminism",
        "Error while completing",
        "failed to complete",
    ];

    private readonly ConcurrentQueue<string> _lines = new();

    public SdkLogSink()
    {
        Factory = LoggerFactory.Create(builder => builder.AddProvider(this).SetMinimumLevel(LogLevel.Information));
        Runtime = new TemporalRuntime(new TemporalRuntimeOptions
        {
            Telemetry = new TelemetryOptions
            {
                Logging = new LoggingOptions
                {
                    Filter = new TelemetryFilterOptions(TelemetryFilterOptions.Level.Warn),
                    Forwarding = new LogForwardingOptions { Logger = Factory.CreateLogger("Temporalio.Core") },
                },
            },
        });
    }

    public ILoggerFactory Factory { get; }

    public TemporalRuntime Runtime { get; }

    public IReadOnlyList<string> Lines => [.. _lines];

    /// <summary>Lines that mean the SDK dropped or failed a task; tests expecting a task failure filter these.</summary>
    public IReadOnlyList<string> AlarmingLines => _lines.Where(line => Alarming.Any(line.Contains)).ToList();

    public void AssertClean() =>
        Assert.True(AlarmingLines.Count == 0, "The SDK reported problems:\n" + string.Join('\n', AlarmingLines));

    public ILogger CreateLogger(string categoryName) => new SinkLogger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class SinkLogger(SdkLogSink sink, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            sink._lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)} {exception?.Message}");
    }
}
