using Microsoft.Extensions.Logging;
using OmniFlow.AppHost.MySql;
using OmniFlow.Tests.Infrastructure;

namespace OmniFlow.Tests.AppHost;

/// <summary>The local MariaDB's data directory is initialised once (real mariadb-install-db) and kept between runs.</summary>
public sealed class MariaDbDataDirectoryTests : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("omniflow-mariadb-data-").FullName;

    public void Dispose() => Directory.Delete(directory, recursive: true);

    [Fact]
    public async Task The_first_start_initialises_the_data_directory_and_later_starts_keep_it()
    {
        var installer = RequiredServices.FindBinary("mariadb-install-db");
        var server = RequiredServices.FindBinary("mariadbd");
        if (installer is null || server is null)
        {
            RequiredServices.Unavailable("mariadbd or mariadb-install-db is not installed");
        }

        var resource = new MariaDbServerResource("mysql", server!, directory) { Databases = { "omniflowdb" } };
        var asRoot = Environment.UserName == "root";
        var log = new RecordingLogger();

        await MariaDbDataDirectory.PrepareAsync(resource, installer, asRoot, log, TestContext.Current.CancellationToken);
        var systemTables = Path.Combine(resource.DataDirectory, "mysql");
        Assert.True(Directory.Exists(systemTables), "mariadb-install-db created the system tables");
        var kept = Path.Combine(resource.DataDirectory, "kept-between-runs");
        await File.WriteAllTextAsync(kept, "data of the first run", TestContext.Current.CancellationToken);
        Assert.Single(log.Lines, line => line.StartsWith("Initialising ", StringComparison.Ordinal));

        resource.Databases.Add("another");
        await MariaDbDataDirectory.PrepareAsync(resource, installer, asRoot, log, TestContext.Current.CancellationToken);

        Assert.Equal("data of the first run", await File.ReadAllTextAsync(kept, TestContext.Current.CancellationToken));
        Assert.Single(log.Lines, line => line.StartsWith("Initialising ", StringComparison.Ordinal));
        var init = await File.ReadAllTextAsync(resource.InitFile, TestContext.Current.CancellationToken);
        Assert.Contains("CREATE DATABASE IF NOT EXISTS `omniflowdb`;", init);
        Assert.Contains("CREATE DATABASE IF NOT EXISTS `another`;", init);
        Assert.Contains($"CREATE USER IF NOT EXISTS '{MariaDbServerResource.User}'@'%'", init);
    }

    private sealed class RecordingLogger : ILogger
    {
        public List<string> Lines { get; } = [];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Lines.Add(formatter(state, exception));
    }
}
