using OmniFlow.AppHost.Local;

namespace OmniFlow.AppHost.Redis;

/// <summary><c>redis-server</c> of this machine; the same connection string as Aspire's Redis container (<c>host:port</c>).</summary>
public sealed class RedisServerResource(string name, string command, string workingDirectory)
    : LocalServerResource(name, command, workingDirectory)
{
    public override ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create($"{Endpoint.Property(EndpointProperty.HostAndPort)}");
}
