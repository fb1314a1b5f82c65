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
        "leftover buffered tasks",
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
    public IReadOnlyList<string> AlarmingLines => AlarmingLinesSince(0);

    /// <summary>How many lines were logged so far: a test's window starts here (the tests of a collection run one by one).</summary>
    public int Mark => _lines.Count;

    public IReadOnlyList<string> AlarmingLinesSince(int mark) =>
        _lines.Skip(mark).Where(line => Alarming.Any(line.Contains)).ToList();

    public void AssertClean() => AssertCleanSince(0);

    public void AssertCleanSince(int mark)
    {
        var alarming = AlarmingLinesSince(mark);
        Assert.True(alarming.Count == 0, "The SDK reported problems:\n" + string.Join('\n', alarming));
    }

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
