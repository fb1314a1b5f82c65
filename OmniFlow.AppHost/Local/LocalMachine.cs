using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;

namespace OmniFlow.AppHost.Local;

/// <summary>
/// What this machine offers the AppHost: configuration, installed server binaries, a healthy container runtime, free
/// ports, and the data directory (<c>.omniflow/</c> beside the solution) kept between runs. One per builder.
/// </summary>
public sealed class LocalMachine
{
    private static readonly ConditionalWeakTable<IDistributedApplicationBuilder, LocalMachine> Machines = new();
    private static readonly string[] ServerFolders = ["/usr/sbin", "/usr/local/sbin", "/sbin"];

    private readonly IDistributedApplicationBuilder builder;
    private readonly string[] binaryFolders;
    private readonly Lazy<bool> containerRuntimeHealthy;

    private readonly bool preferWellKnownPorts;

    private LocalMachine(IDistributedApplicationBuilder builder)
    {
        this.builder = builder;
        UseLocalBinaries = builder.Configuration.GetValue("AppHost:UseLocalBinaries", true);
        preferWellKnownPorts = builder.Configuration.GetValue("AppHost:PreferWellKnownPorts", true);
        binaryFolders = UseLocalBinaries
            ? [.. (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries), .. ServerFolders]
            : [];
        DataDirectory = Path.GetFullPath(builder.Configuration["AppHost:DataDirectory"]
            ?? Path.Combine(builder.AppHostDirectory, "..", ".omniflow"));
        containerRuntimeHealthy = new(() => ProbeContainerRuntime(builder.Configuration["ASPIRE_CONTAINER_RUNTIME"] ?? "docker"));
    }

    public static LocalMachine Of(IDistributedApplicationBuilder builder) => Machines.GetValue(builder, b => new LocalMachine(b));

    /// <summary><c>AppHost:UseLocalBinaries</c> (default true); false runs what is not external embedded.</summary>
    public bool UseLocalBinaries { get; }

    /// <summary>Where local state lives between runs (<c>AppHost:DataDirectory</c>).</summary>
    public string DataDirectory { get; }

    public bool IsPublishing => builder.ExecutionContext.IsPublishMode;

    /// <summary>A container runtime that answers (<c>docker info</c>): a docker CLI without an engine does not count.</summary>
    public bool ContainerRuntimeHealthy => containerRuntimeHealthy.Value;

    public string? Configured(string key) => builder.Configuration[key] is { Length: > 0 } value && !string.IsNullOrWhiteSpace(value) ? value : null;

    /// <summary>The first of <paramref name="names"/> installed on PATH or in an sbin folder, or null.</summary>
    public string? FindBinary(params string[] names) =>
        names.SelectMany(name => binaryFolders.Select(folder => Path.Combine(folder, name))).FirstOrDefault(IsExecutable);

    public string DataPath(params string[] parts) => Path.Combine([DataDirectory, .. parts]);

    /// <summary>
    /// The well-known port when it is free on 127.0.0.1, else any free one. <c>AppHost:PreferWellKnownPorts=false</c>
    /// always takes a free one: AppHosts started side by side (tests) never race for 6379, 3306 or 7233.
    /// </summary>
    public int PortFor(int wellKnown) => preferWellKnownPorts && IsFree(wellKnown) ? wellKnown : FreePort();

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Prints the choice (<c>redis: local binary — ...</c>) and keeps it on the resource.</summary>
    public void Announce(string name, ServiceMode mode, string description, IResourceBuilder<IResource>? resource = null)
    {
        var annotation = new ServiceModeAnnotation(mode, description);
        resource?.WithAnnotation(annotation);
        if (!IsPublishing)
        {
            Console.WriteLine($"{name}: {annotation.Label} — {description}");
        }
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static bool IsExecutable(string path) =>
        File.Exists(path) && !OperatingSystem.IsWindows() &&
        (File.GetUnixFileMode(path) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0;

    private static bool ProbeContainerRuntime(string runtime)
    {
        try
        {
            using var probe = Process.Start(new ProcessStartInfo(runtime, ["info", "--format", "{{.ServerVersion}}"])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            });
            if (probe is null)
            {
                return false;
            }

            if (!probe.WaitForExit(TimeSpan.FromSeconds(5)))
            {
                probe.Kill(entireProcessTree: true);
                return false;
            }

            return probe.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }
}
