using System.Net;
using System.Net.Sockets;
using System.Reflection;
using Microsoft.Extensions.Configuration;
using OmniFlow.AppHost.Hosting.Resolution;

namespace OmniFlow.AppHost.Hosting;

/// <summary>What resources need to know about this machine and this run when they are planned.</summary>
public sealed class RunContext(IConfiguration configuration, BinaryLocator binaries)
{
    public IConfiguration Configuration { get; } = configuration;

    public BinaryLocator Binaries { get; } = binaries;

    public ServiceResolver Resolver { get; } = new(configuration, binaries);

    public string SolutionDirectory { get; } = configuration["AppHost:SolutionDirectory"] ?? BuildMetadata("SolutionDirectory")
        ?? Directory.GetCurrentDirectory();

    /// <summary>Where local state is kept between runs (<c>.omniflow/</c> beside the solution).</summary>
    public string DataDirectory => Path.GetFullPath(Configuration["AppHost:DataDirectory"] ?? Path.Combine(SolutionDirectory, ".omniflow"));

    /// <summary>The AppHost's project folder, where its appsettings.json lives.</summary>
    public static string ProjectDirectory => BuildMetadata("ProjectDirectory") ?? AppContext.BaseDirectory;

    public static string BuildConfiguration => BuildMetadata("Configuration") ?? "Debug";

    public static string TargetFramework => BuildMetadata("TargetFramework") ?? "net10.0";

    /// <summary>The preferred port when it is free, else any free loopback port.</summary>
    public static int PortOrFree(int preferred) => IsFree(preferred) ? preferred : FreePort();

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
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

    private static string? BuildMetadata(string key) =>
        typeof(RunContext).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(attribute => attribute.Key == $"OmniFlow.AppHost.{key}")?.Value;
}
