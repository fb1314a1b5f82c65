using System.Net.Sockets;

namespace OmniFlow.AppHost.Hosting.Health;

/// <summary>A MySQL/MariaDB server greets every new connection with a protocol-10 handshake packet.</summary>
public sealed class MySqlHealthCheck(string host, int port) : IHealthCheck
{
    private const byte ProtocolVersion = 10;

    public async Task<bool> IsHealthyAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(host, port, cancellationToken);
            var header = new byte[5];
            await client.GetStream().ReadExactlyAsync(header, cancellationToken);
            // 3-byte length, sequence id 0, then the protocol version.
            return header[3] == 0 && header[4] == ProtocolVersion;
        }
        catch (Exception exception) when (exception is SocketException or IOException)
        {
            return false;
        }
    }

    public static MySqlHealthCheck FromConnectionString(string connectionString)
    {
        var parts = connectionString.Split(';', StringSplitOptions.RemoveEmptyEntries)
            .Select(part => part.Split('=', 2))
            .Where(pair => pair.Length == 2)
            .ToDictionary(pair => pair[0].Trim().ToLowerInvariant(), pair => pair[1].Trim());
        var host = parts.GetValueOrDefault("server") ?? parts.GetValueOrDefault("host") ?? "127.0.0.1";
        var port = int.TryParse(parts.GetValueOrDefault("port"), out var value) ? value : 3306;
        return new MySqlHealthCheck(host, port);
    }
}
