using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace OmniFlow.AppHost.MySql;

/// <summary>Prepares a <see cref="MariaDbServerResource"/>'s folder before each start: init file always, data directory once.</summary>
internal static class MariaDbDataDirectory
{
    public static async Task PrepareAsync(MariaDbServerResource server, string? installer, bool asRoot, ILogger logger, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(server.DataDirectory);
        // Its own temporary folder: a shared /tmp is swept by others while the server uses it.
        Directory.CreateDirectory(server.TemporaryDirectory);
        await File.WriteAllLinesAsync(server.InitFile,
        [
            .. server.Databases.Select(database => $"CREATE DATABASE IF NOT EXISTS `{database}`;"),
            $"CREATE USER IF NOT EXISTS '{MariaDbServerResource.User}'@'%' IDENTIFIED BY '{MariaDbServerResource.Password}';",
            $"GRANT ALL PRIVILEGES ON *.* TO '{MariaDbServerResource.User}'@'%';",
        ], cancellationToken);

        if (Directory.Exists(Path.Combine(server.DataDirectory, "mysql")))
        {
            return;
        }

        logger.LogInformation("Initialising {DataDirectory} (once; kept between runs)", server.DataDirectory);
        string[] user = asRoot ? ["--user=root"] : [];
        var start = installer is not null
            ? new ProcessStartInfo(installer, [$"--datadir={server.DataDirectory}", $"--tmpdir={server.TemporaryDirectory}",
                "--auth-root-authentication-method=normal", "--skip-test-db", .. user])
            : new ProcessStartInfo(server.Command, ["--initialize-insecure", $"--datadir={server.DataDirectory}", .. user]);
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{start.FileName} did not start");
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var errors = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
        {
            Directory.Delete(server.DataDirectory, recursive: true);
            throw new InvalidOperationException($"{start.FileName} exited with code {process.ExitCode}: {await output}{await errors}");
        }
    }
}
