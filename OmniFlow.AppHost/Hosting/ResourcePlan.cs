using OmniFlow.AppHost.Hosting.Health;
using OmniFlow.AppHost.Hosting.Processes;

namespace OmniFlow.AppHost.Hosting;

public enum ResourceMode
{
    External,
    LocalBinary,
    Embedded,
    Project,
}

/// <summary>How one resource runs this time: chosen once at start, printed, shown on the dashboard.</summary>
public sealed record ResourcePlan(ResourceMode Mode, string Description)
{
    public string? Endpoint { get; init; }

    /// <summary>The process to supervise; null for external services and in-process defaults.</summary>
    public ProcessSpec? Process { get; init; }

    public IHealthCheck? HealthCheck { get; init; }

    /// <summary>One-time preparation before the process starts (e.g. initialising a data directory).</summary>
    public Func<Action<string>, CancellationToken, Task>? Setup { get; init; }

    public static string DisplayMode(ResourceMode mode) => mode switch
    {
        ResourceMode.External => "external",
        ResourceMode.LocalBinary => "local binary",
        ResourceMode.Embedded => "embedded",
        _ => "project",
    };
}
