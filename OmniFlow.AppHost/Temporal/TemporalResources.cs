using OmniFlow.AppHost.Local;

namespace OmniFlow.AppHost.Temporal;

/// <summary>The temporal CLI's dev server (<c>temporal server start-dev</c>); its connection string is the frontend's <c>host:port</c>.</summary>
public sealed class TemporalDevServerResource(string name, string command, string workingDirectory)
    : LocalServerResource(name, command, workingDirectory)
{
    public override ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create($"{Endpoint.Property(EndpointProperty.HostAndPort)}");
}

/// <summary>OmniFlow.TemporalServer run as a project resource, started like the CLI's dev server.</summary>
public sealed class TemporalServerProjectResource(string name) : ProjectResource(name), IResourceWithConnectionString
{
    public const string EndpointName = "grpc";

    public EndpointReference Endpoint => new(this, EndpointName);

    public ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create($"{Endpoint.Property(EndpointProperty.HostAndPort)}");
}

/// <summary>The <c>temporalio/auto-setup</c> container of a deployment (publish mode), persisting to the MySQL container.</summary>
public sealed class TemporalContainerResource(string name) : ContainerResource(name), IResourceWithConnectionString
{
    public const string EndpointName = "grpc";

    public EndpointReference Endpoint => new(this, EndpointName);

    public ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create($"{Endpoint.Property(EndpointProperty.HostAndPort)}");
}
