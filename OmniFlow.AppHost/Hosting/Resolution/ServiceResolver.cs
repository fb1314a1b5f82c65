using Microsoft.Extensions.Configuration;

namespace OmniFlow.AppHost.Hosting.Resolution;

/// <summary>Where a backing service comes from.</summary>
public sealed record ServiceResolution(ResourceMode Mode, string? ExternalValue = null, string? BinaryPath = null);

/// <summary>
/// Resolves a backing service in a fixed order: configured externally, then a local binary,
/// then the embedded default. So the AppHost runs on a machine with nothing but the .NET SDK.
/// </summary>
public sealed class ServiceResolver(IConfiguration configuration, BinaryLocator binaries)
{
    public ServiceResolution Resolve(string configurationKey, params string[] binaryNames)
    {
        var configured = configuration[configurationKey];
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return new ServiceResolution(ResourceMode.External, ExternalValue: configured);
        }

        var binary = binaryNames.Select(binaries.Find).FirstOrDefault(path => path is not null);
        return binary is not null
            ? new ServiceResolution(ResourceMode.LocalBinary, BinaryPath: binary)
            : new ServiceResolution(ResourceMode.Embedded);
    }
}
