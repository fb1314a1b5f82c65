namespace OmniFlow.AppHost.Local;

/// <summary>
/// A server binary of this machine run as an Aspire executable, listening on one TCP endpoint that DCP does not proxy
/// (the hot paths pay no extra hop); its connection string is <see cref="ConnectionStringExpression"/>.
/// </summary>
public abstract class LocalServerResource(string name, string command, string workingDirectory)
    : ExecutableResource(name, command, workingDirectory), IResourceWithConnectionString
{
    public const string EndpointName = "tcp";

    private EndpointReference? endpoint;

    public EndpointReference Endpoint => endpoint ??= new(this, EndpointName);

    public abstract ReferenceExpression ConnectionStringExpression { get; }
}

public static class LocalServerResourceExtensions
{
    /// <summary>The server listens on <paramref name="port"/> of 127.0.0.1, not proxied.</summary>
    public static IResourceBuilder<T> WithLocalEndpoint<T>(this IResourceBuilder<T> builder, int port, string scheme = "tcp")
        where T : LocalServerResource =>
        builder.WithEndpoint(LocalServerResource.EndpointName, endpoint =>
        {
            endpoint.Port = port;
            endpoint.TargetPort = port;
            endpoint.UriScheme = scheme;
            endpoint.IsProxied = false;
            endpoint.TargetHost = "127.0.0.1";
        });
}
