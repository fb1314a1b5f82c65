namespace OmniFlow.AppHost.Hosting.Resources;

/// <summary>A database on a <see cref="MySqlServerResource"/>; projects reference this one.</summary>
public sealed class MySqlDatabaseResource(string name, MySqlServerResource server) : Resource(name), IResourceWithConnectionString
{
    public override string Kind => "Database";

    public MySqlServerResource Server { get; } = server;

    public string? ConnectionString { get; private set; }

    public override ResourcePlan Plan(RunContext context)
    {
        ConnectionString = Server.DatabaseConnectionString(Name);
        var description = Server.Mode == ResourceMode.Embedded ? "SQLite database" : $"database {Name} on {Server.Name}";
        return new ResourcePlan(Server.Mode, description)
        {
            Endpoint = MySqlServerResource.Redact(ConnectionString),
        };
    }
}
