namespace OmniFlow.AppHost.Local;

/// <summary>Where a backing service comes from in this run.</summary>
public enum ServiceMode
{
    /// <summary>Configured by address or connection string; the AppHost starts nothing.</summary>
    External,

    /// <summary>A container image: in publish mode, and locally where a container runtime is healthy.</summary>
    Container,

    /// <summary>A server binary installed on this machine (redis-server, mariadbd, the temporal CLI), run as an executable.</summary>
    LocalBinary,

    /// <summary>What OmniFlow brings itself: the in-process gate, SQLite, OmniFlow.TemporalServer.</summary>
    Embedded,
}

/// <summary>The mode a backing service runs in and why, printed at start and kept on its resource for tests and tools.</summary>
public sealed record ServiceModeAnnotation(ServiceMode Mode, string Description) : IResourceAnnotation
{
    public string Label => Mode switch
    {
        ServiceMode.LocalBinary => "local binary",
        _ => Mode.ToString().ToLowerInvariant(),
    };
}
