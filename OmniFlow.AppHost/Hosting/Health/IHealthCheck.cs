namespace OmniFlow.AppHost.Hosting.Health;

/// <summary>Answers whether a resource serves requests now.</summary>
public interface IHealthCheck
{
    Task<bool> IsHealthyAsync(CancellationToken cancellationToken);
}

/// <summary>Parses <c>host:port</c> endpoints.</summary>
public static class HostPort
{
    public static (string Host, int Port) Parse(string endpoint, int defaultPort)
    {
        var value = endpoint.Contains("://", StringComparison.Ordinal) ? new Uri(endpoint).Authority : endpoint;
        var colon = value.LastIndexOf(':');
        return colon > 0 && int.TryParse(value[(colon + 1)..], out var port) ? (value[..colon], port) : (value, defaultPort);
    }
}
