namespace OmniFlow.AppHost.MySql;

/// <summary>The <c>mysql</c> container of a deployment (publish mode), root's password a secret parameter.</summary>
public sealed class MySqlContainerResource(string name, ParameterResource rootPassword) : ContainerResource(name), IResourceWithConnectionString
{
    public const string EndpointName = "tcp";

    public ParameterResource RootPassword { get; } = rootPassword;

    public EndpointReference Endpoint => new(this, EndpointName);

    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create(
        $"Server={Endpoint.Property(EndpointProperty.Host)};Port={Endpoint.Property(EndpointProperty.Port)};User ID=root;Password={RootPassword}");
}
