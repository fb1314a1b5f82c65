using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using StackExchange.Redis;

namespace OmniFlow.Tests.Infrastructure;

/// <summary>
/// A real <c>redis-server</c> of our own: a free port on 127.0.0.1, no persistence, a temp dir, killed on dispose.
/// Use it as a class fixture (isolate tests by key prefix) or start a dedicated one with <see cref="StartAsync"/>.
/// </summary>
public sealed class RedisServer : IAsyncLifetime
{
    private string? binary;
    private Process? process;
    private string? directory;
    private string? unavailableReason;

    public int Port { get; private set; }

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

    /// <summary>Kills the server and starts an empty one on the same port, as a crash and a restart would.</summary>
    public async Task RestartAsync()
    {
        Kill();
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

    private async Task<Process?> TryStartAsync()
    {
        var started = Process.Start(new ProcessStartInfo(binary!)
        {
            ArgumentList = { "--port", Port.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", directory!, "--loglevel", "warning" },
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
