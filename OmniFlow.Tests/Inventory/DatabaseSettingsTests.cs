using Microsoft.Extensions.Configuration;
using OmniFlow.Fulfillment.Persistence;

namespace OmniFlow.Tests.Inventory;

public sealed class DatabaseSettingsTests
{
    [Fact]
    public void No_connection_string_means_a_sqlite_file_under_the_content_root()
    {
        var root = Directory.CreateTempSubdirectory("omniflow-settings-").FullName;
        try
        {
            var settings = DatabaseSettings.From(Configuration(), root);

            Assert.Equal(DatabaseProvider.Sqlite, settings.Provider);
            Assert.Contains(Path.Combine(root, ".omniflow", "omniflow.db"), settings.ConnectionString, StringComparison.Ordinal);
            Assert.True(Directory.Exists(Path.Combine(root, ".omniflow")));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public void A_data_source_means_sqlite_and_anything_else_mysql()
    {
        var sqlite = DatabaseSettings.From(Configuration(("ConnectionStrings:omniflowdb", "Data Source=/tmp/x.db")), "/");
        var mariaDb = DatabaseSettings.From(Configuration(("ConnectionStrings:omniflowdb", "Server=db;Database=omniflow")), "/");
        var mySql = DatabaseSettings.From(Configuration(
            ("ConnectionStrings:omniflowdb", "Server=db;Database=omniflow"), ("Database:ServerVersion", "8.0.36-mysql")), "/");

        Assert.Equal((DatabaseProvider.Sqlite, "Data Source=/tmp/x.db"), (sqlite.Provider, sqlite.ConnectionString));
        Assert.Equal(DatabaseProvider.MySql, mariaDb.Provider);
        Assert.Equal("10.11.0-mariadb", mariaDb.ServerVersion?.ToString());
        Assert.Equal("8.0.36-mysql", mySql.ServerVersion?.ToString());
    }

    private static IConfiguration Configuration(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => KeyValuePair.Create(v.Key, (string?)v.Value))).Build();
}
