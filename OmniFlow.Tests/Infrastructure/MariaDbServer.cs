using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using MySqlConnector;

namespace OmniFlow.Tests.Infrastructure;

/// <summary>
/// A throwaway MariaDB server, the way Testcontainers would start one: its own data directory, socket and free port on
/// 127.0.0.1, root without a password, killed and deleted afterwards. Share it through the "MariaDb" collection and
/// take a fresh database per test class with <see cref="CreateDatabaseAsync"/>.
/// </summary>
public sealed class MariaDbServer : IAsyncLifetime
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private const int StartAttempts = 3;

    private readonly string directory = Path.Combine(Path.GetTempPath(), $"omniflow-mariadb-{Guid.NewGuid():N}");
    private Process? server;

    // Its own, not the machine's /tmp: a CI run once lost a bootstrap temp table there while other servers started.
    private string TemporaryDirectory => Path.Combine(directory, "tmp");

    /// <summary>Why no server could be started, or null when it is running.</summary>
    public string? UnavailableReason { get; private set; }

    public int Port { get; private set; }

    public string ServerConnectionString => new MySqlConnectionStringBuilder
    {
        Server = "127.0.0.1",
        Port = (uint)Port,
        UserID = "root",
        Password = string.Empty,
        MaximumPoolSize = 300,
    }.ConnectionString;

    public async ValueTask InitializeAsync()
    {
        var mariadbd = RequiredServices.FindBinary("mariadbd");
        var installDb = RequiredServices.FindBinary("mariadb-install-db");
        if (mariadbd is null || installDb is null)
        {
            UnavailableReason = "mariadbd or mariadb-install-db is not installed";
            return;
        }

        var dataDirectory = Path.Combine(directory, "data");
        Directory.CreateDirectory(TemporaryDirectory);
        var user = Environment.UserName;
        var install = await RunAsync(installDb, [
            "--no-defaults", $"--datadir={dataDirectory}", $"--tmpdir={TemporaryDirectory}", $"--user={user}",
            "--auth-root-authentication-method=normal", "--skip-test-db", "--skip-name-resolve"]);
        if (install is not null)
        {
            UnavailableReason = $"mariadb-install-db failed: {install}";
            return;
        }

        // A loaded machine can lose the free port to another process between choosing and binding it: try a few.
        for (var attempt = 1; attempt <= StartAttempts; attempt++)
        {
            UnavailableReason = await StartServerAsync(mariadbd, dataDirectory, user);
            if (UnavailableReason is null)
            {
                return;
            }

            await StopServerAsync();
        }
    }

    /// <summary>Kills the server at once, as a crash would; its data stays for <see cref="StartAgainAsync"/>.</summary>
    public Task KillAsync() => StopServerAsync();

    /// <summary>Starts the killed server again on its data and port (InnoDB recovers what was committed).</summary>
    public async Task StartAgainAsync()
    {
        var problem = await StartServerAsync(RequiredServices.FindBinary("mariadbd")!, Path.Combine(directory, "data"), Environment.UserName, Port);
        if (problem is not null)
        {
            throw new InvalidOperationException(problem);
        }
    }

    private async Task<string?> StartServerAsync(string mariadbd, string dataDirectory, string user, int? port = null)
    {
        Port = port ?? FreePort();
        server = Process.Start(new ProcessStartInfo(mariadbd)
        {
            ArgumentList =
            {
                "--no-defaults", $"--datadir={dataDirectory}", $"--tmpdir={TemporaryDirectory}", $"--user={user}", $"--port={Port}", "--bind-address=127.0.0.1",
                $"--socket={Path.Combine(directory, "mariadb.sock")}", $"--pid-file={Path.Combine(directory, "mariadb.pid")}",
                $"--log-error={Path.Combine(directory, "error.log")}", "--skip-name-resolve", "--skip-log-bin",
                "--innodb-buffer-pool-size=128M", "--innodb-flush-log-at-trx-commit=2", "--max-connections=500",
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        });
        server?.BeginOutputReadLine();
        server?.BeginErrorReadLine();

        return await WaitUntilReadyAsync();
    }

    /// <summary>Creates an empty database and returns a connection string for it.</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        var name = $"omniflow_{Guid.NewGuid():N}";
        await using var connection = new MySqlConnection(ServerConnectionString);
        await connection.OpenAsync();
        await using var command = new MySqlCommand($"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin", connection);
        await command.ExecuteNonQueryAsync();
        return new MySqlConnectionStringBuilder(ServerConnectionString) { Database = name }.ConnectionString;
    }

    public async ValueTask DisposeAsync()
    {
        MySqlConnection.ClearAllPools();
        await StopServerAsync();
        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private async Task StopServerAsync()
    {
        if (server is { HasExited: false })
        {
            server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync();
        }

        server?.Dispose();
        server = null;
    }

    private async Task<string?> WaitUntilReadyAsync()
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < StartTimeout)
        {
            if (server is null || server.HasExited)
            {
                return $"mariadbd exited at start: {ReadErrorLog()}";
            }

            try
            {
                await using var connection = new MySqlConnection(ServerConnectionString);
                await connection.OpenAsync();
                return null;
            }
            catch (MySqlException)
            {
                await Task.Delay(100);
            }
        }

        return $"mariadbd did not accept connections within {StartTimeout.TotalSeconds} s: {ReadErrorLog()}";
    }

    private string ReadErrorLog()
    {
        var log = Path.Combine(directory, "error.log");
        return File.Exists(log) ? string.Join(Environment.NewLine, File.ReadLines(log).TakeLast(10)) : "(no error log)";
    }

    /// <summary>Runs a setup tool; null on success, else its output.</summary>
    private static async Task<string?> RunAsync(string fileName, IEnumerable<string> arguments)
    {
        var info = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return process.ExitCode == 0 ? null : $"exit {process.ExitCode}: {await error}{await output}";
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>Test classes in this collection share one <see cref="MariaDbServer"/>.</summary>
[CollectionDefinition(Name)]
public sealed class MariaDbCollection : ICollectionFixture<MariaDbServer>
{
    public const string Name = "MariaDb";
}
