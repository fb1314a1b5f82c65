using MySqlConnector;
using OmniFlow.AppHost.Hosting;
using OmniFlow.AppHost.Hosting.Resources;
using OmniFlow.Tests.Infrastructure;
using OmniFlow.Tests.WholeSystem;

namespace OmniFlow.Tests.AppHost;

/// <summary>The local mariadbd is initialised once under the data directory; a second AppHost run keeps its data.</summary>
[Collection(WholeSystemCollection.Name)] // prefers port 3306, as the whole-system AppHosts do
public sealed class LocalMariaDbReuseTests : IDisposable
{
    private readonly string dataDirectory = Directory.CreateTempSubdirectory("omniflow-mariadb-reuse-").FullName;

    public void Dispose() => Directory.Delete(dataDirectory, recursive: true);

    [Fact]
    public async Task A_second_run_over_the_same_data_directory_does_not_initialise_again_and_keeps_the_data()
    {
        if (RequiredServices.FindBinary("mariadbd") is null || RequiredServices.FindBinary("mariadb-install-db") is null)
        {
            RequiredServices.Unavailable("mariadbd or mariadb-install-db is not installed");
        }

        var marker = Guid.NewGuid().ToString("N");
        await RunAsync(async (log, connectionString) =>
        {
            Assert.Contains(log, line => line.StartsWith("initialising ", StringComparison.Ordinal));
            await ExecuteAsync(connectionString, "CREATE TABLE kept (value VARCHAR(64))");
            await ExecuteAsync(connectionString, $"INSERT INTO kept VALUES ('{marker}')");
        });

        await RunAsync(async (log, connectionString) =>
        {
            Assert.DoesNotContain(log, line => line.StartsWith("initialising ", StringComparison.Ordinal));
            Assert.Equal(marker, await ExecuteAsync(connectionString, "SELECT value FROM kept"));
        });
    }

    /// <summary>One AppHost run with only the database: the mysql resource's log and the database's connection string.</summary>
    private async Task RunAsync(Func<IReadOnlyList<string>, string, Task> check)
    {
        var builder = DistributedApplication.CreateBuilder(
            [$"--AppHost:DataDirectory={dataDirectory}", $"--AppHost:DashboardPort={RunContext.FreePort()}", "--AppHost:ConsoleOutput=false"]);
        builder.AddMySql("mysql").AddDatabase("omniflowdb");
        await using var app = builder.Build();
        await app.StartAsync(TestContext.Current.CancellationToken);
        Assert.Equal(ResourceMode.LocalBinary, app["mysql"].Plan.Mode);
        Assert.Equal(ResourceState.Healthy, app["mysql"].State.Current);

        await check(app["mysql"].Log.Recent(200), ((MySqlDatabaseResource)app["omniflowdb"].Resource).ConnectionString!);
        MySqlConnection.ClearAllPools();
    }

    private static async Task<object?> ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new MySqlConnection(connectionString);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = new MySqlCommand(sql, connection);
        return await command.ExecuteScalarAsync(TestContext.Current.CancellationToken);
    }
}
