using OmniFlow.AppHost.Local;

namespace OmniFlow.AppHost.MySql;

/// <summary>
/// <c>mariadbd</c> (or <c>mysqld</c>) of this machine: a data directory initialised once under <c>.omniflow/mariadb</c>
/// and kept between runs; at every start an init file creates the databases and the application's user.
/// </summary>
public sealed class MariaDbServerResource(string name, string command, string directory)
    : LocalServerResource(name, command, directory)
{
    public const string User = "omniflow";
    public const string Password = "omniflow";

    public string Directory { get; } = directory;

    public string DataDirectory => Path.Combine(Directory, "data");

    public string TemporaryDirectory => Path.Combine(Directory, "tmp");

    public string InitFile => Path.Combine(Directory, "init.sql");

    public List<string> Databases { get; } = [];

    public override ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create($"Server=127.0.0.1;Port={Endpoint.Property(EndpointProperty.Port)};User ID={User};Password={Password}");
}
