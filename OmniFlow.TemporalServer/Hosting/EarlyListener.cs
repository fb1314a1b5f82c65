using System.Net;
using System.Net.Sockets;

namespace OmniFlow.TemporalServer.Hosting;

/// <summary>
/// The listening socket, bound before the web host is even loaded: connections queue in its backlog while the host
/// starts, so a launcher that probes the port early (the SDK gives a launched server 5 s) finds it open.
/// </summary>
public static class EarlyListener
{
    public static Socket Bind(string host, int port)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Parse(host), port));
        socket.Listen(512);
        return socket;
    }
}
