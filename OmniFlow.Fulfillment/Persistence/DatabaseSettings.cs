using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.EntityFrameworkCore;

namespace OmniFlow.Fulfillment.Persistence;

public enum DatabaseProvider
{
    Sqlite,
    MySql,
}

/// <summary>
/// Where the database of record lives, read from <c>ConnectionStrings:omniflowdb</c>: absent means the SQLite file
/// <c>.omniflow/omniflow.db</c> under the content root, <c>Data Source=...</c> means SQLite, anything else MySQL/MariaDB
/// of the version in <c>Database:ServerVersion</c> (default MariaDB 10.11).
/// </summary>
public sealed record DatabaseSettings(DatabaseProvider Provider, string ConnectionString, ServerVersion? ServerVersion)
{
    public const string ConnectionName = "omniflowdb";
    public const string DefaultServerVersion = "10.11.0-mariadb";

    public static DatabaseSettings From(IConfiguration configuration, string contentRoot)
    {
        var connectionString = configuration.GetConnectionString(ConnectionName);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            var folder = Path.Combine(contentRoot, ".omniflow");
            Directory.CreateDirectory(folder);
            return Sqlite(new SqliteConnectionStringBuilder { DataSource = Path.Combine(folder, "omniflow.db") }.ConnectionString);
        }

        if (connectionString.TrimStart().StartsWith("Data Source=", StringComparison.OrdinalIgnoreCase))
        {
            return Sqlite(connectionString);
        }

        var version = configuration["Database:ServerVersion"];
        return new(DatabaseProvider.MySql, connectionString, Microsoft.EntityFrameworkCore.ServerVersion.Parse(
            string.IsNullOrWhiteSpace(version) ? DefaultServerVersion : version));
    }

    private static DatabaseSettings Sqlite(string connectionString) => new(DatabaseProvider.Sqlite, connectionString, null);
}
