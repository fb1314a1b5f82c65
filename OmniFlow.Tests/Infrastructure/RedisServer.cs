using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using StackExchange.Redis;

namespace OmniFlow.Tests.Infrastructure;

/// <summary>
/// A real <c>redis-server</c> of our own: a free port on 127.0.0.1, a temp dir, killed on dispose; no persistence
/// unless <see cref="Durable"/> (an append-only file synced on every write, as a production gate would keep).
/// Use it as a class fixture (isolate tests by key prefix) or start a dedicated one with <see cref="StartAsync"/>.
/// </summary>
public sealed class RedisServer : IAsyncLifetime
{
    private string? binary;
    private Process? process;
    private string? directory;
    private string? unavailableReason;

    public int Port { get; private set; }

    public bool Durable { get; init; }

    public string ConnectionString => $"127.0.0.1:{Port},abortConnect=false,connectTimeout=2000,syncTimeout=2000,asyncTimeout=2000";

    /// <summary>Starts a dedicated server, or skips the calling test (fails it under OMNIFLOW_REQUIRE_SERVICES=1).</summary>
    public static async Task<RedisServer> StartAsync()
    {
        var server = new RedisServer();
        await server.InitializeAsync();
        server.EnsureAvailable();
        return server;
    }

    public async ValueTask InitializeAsync()
    {
        var binary = RequiredServices.FindBinary("redis-server");
        if (binary is null)
        {
            unavailableReason = "redis-server is not installed.";
            return;
        }

        this.binary = binary;
        directory = Directory.CreateTempSubdirectory("omniflow-redis-").FullName;
        for (var attempt = 0; attempt < 3 && process is null; attempt++)
        {
            Port = FreePort();
            process = await TryStartAsync();
        }

        if (process is null)
        {
            unavailableReason = "redis-server did not start listening on 127.0.0.1.";
        }
    }

    /// <summary>Kills the server and starts it again on the same port, as a crash and a restart would: empty, unless durable.</summary>
    public async Task RestartAsync()
    {
        Kill();
        await StartAgainAsync();
    }

    /// <summary>Starts the server again after <see cref="Kill"/>, on the same port and directory.</summary>
    public async Task StartAgainAsync()
    {
        process?.Dispose();
        process = await TryStartAsync() ?? throw new InvalidOperationException($"redis-server did not start again on port {Port}.");
    }

    /// <summary>Skips (or fails) the calling test when the server could not be started.</summary>
    public void EnsureAvailable()
    {
        if (unavailableReason is not null)
        {
            RequiredServices.Unavailable(unavailableReason);
        }
    }

    public Task<ConnectionMultiplexer> ConnectAsync() => ConnectionMultiplexer.ConnectAsync(ConnectionString);

    /// <summary>Freezes the server (SIGSTOP), as a network blip would: connections stay open, commands wait unanswered.</summary>
    public void Pause() => Signal("STOP");

    /// <summary>Lets a paused server go on (SIGCONT): what it received meanwhile runs now.</summary>
    public void Resume() => Signal("CONT");

    /// <summary>Kills the server at once, as a crash would.</summary>
    public void Kill()
    {
        if (process is not null)
        {
            Stop(process);
        }
    }

    public ValueTask DisposeAsync()
    {
        Kill();
        process?.Dispose();
        if (directory is not null)
        {
            Directory.Delete(directory, recursive: true);
        }

        return ValueTask.CompletedTask;
    }

    private void Signal(string signal)
    {
        using var kill = Process.Start("kill", [$"-{signal}", process!.Id.ToString()]);
        kill.WaitForExit();
    }

    private async Task<Process?> TryStartAsync()
    {
        var started = Process.Start(new ProcessStartInfo(binary!)
        {
            ArgumentList =
            {
                "--port", Port.ToString(), "--bind", "127.0.0.1", "--save", "", "--dir", directory!, "--loglevel", "warning",
                "--appendonly", Durable ? "yes" : "no", "--appendfsync", "always",
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        })!;
        started.OutputDataReceived += (_, _) => { };
        started.ErrorDataReceived += (_, _) => { };
        started.BeginOutputReadLine();
        started.BeginErrorReadLine();
        if (await WaitUntilListeningAsync(started, Port))
        {
            return started;
        }

        Stop(started);
        started.Dispose();
        return null;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task<bool> WaitUntilListeningAsync(Process server, int port)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(10) && !server.HasExited)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                return !server.HasExited;
            }
            catch (SocketException)
            {
                await Task.Delay(20);
            }
        }

        return false;
    }

    private static void Stop(Process server)
    {
        if (!server.HasExited)
        {
            server.Kill(entireProcessTree: true);
            server.WaitForExit();
        }
    }
}
