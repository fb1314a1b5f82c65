using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace OmniFlow.Tests.TemporalServer.Infrastructure;

/// <summary>Our server as a separate process (`server start-dev --port P --db-filename F`), which a test can SIGKILL.</summary>
public sealed class DevServerProcess : IDisposable
{
    private readonly Process _process;

    private DevServerProcess(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    public string Target => $"127.0.0.1:{Port}";

    public static async Task<DevServerProcess> StartAsync(int port, string dbFilename)
    {
        var start = new ProcessStartInfo(ServerExecutable.Path, ["server", "start-dev", "--port", $"{port}", "--db-filename", dbFilename, "--headless"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment.Remove("OTEL_EXPORTER_OTLP_ENDPOINT");
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new DevServerProcess(process, port);
        await server.WaitUntilServingAsync();
        return server;
    }

    public static int FreePort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    /// <summary>kill -9: no shutdown, no flush.</summary>
    public void Kill()
    {
        _process.Kill();
        _process.WaitForExit();
    }

    private async Task WaitUntilServingAsync()
    {
        // The port is bound before the host loads; the first answer (connecting asks GetSystemInfo) says the state is
        // restored and served.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            try
            {
                await Temporalio.Client.TemporalConnection.ConnectAsync(new(Target));
                return;
            }
            catch (Exception) when (DateTime.UtcNow < deadline && !_process.HasExited)
            {
                await Task.Delay(100);
            }
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            Kill();
        }

        _process.Dispose();
    }
}
