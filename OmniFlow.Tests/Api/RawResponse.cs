using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace OmniFlow.Tests.Api;

/// <summary>Reads one HTTP/1.1 response from a raw connection: status, Content-Type and body (Content-Length or chunked).</summary>
internal static class RawResponse
{
    public static async Task<HttpResponseMessage> ReadAsync(Stream connection, CancellationToken cancellationToken)
    {
        var reader = new BufferedReader(connection);
        var status = await reader.ReadLineAsync(cancellationToken);
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        for (var line = await reader.ReadLineAsync(cancellationToken); line.Length > 0; line = await reader.ReadLineAsync(cancellationToken))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
        }

        byte[] body;
        if (headers.TryGetValue("Transfer-Encoding", out var encoding) && encoding.Contains("chunked", StringComparison.OrdinalIgnoreCase))
        {
            using var chunks = new MemoryStream();
            for (var size = await ReadChunkSizeAsync(reader, cancellationToken); size > 0; size = await ReadChunkSizeAsync(reader, cancellationToken))
            {
                chunks.Write(await reader.ReadBytesAsync(size, cancellationToken));
                await reader.ReadLineAsync(cancellationToken);
            }

            body = chunks.ToArray();
        }
        else
        {
            body = await reader.ReadBytesAsync(int.Parse(headers.GetValueOrDefault("Content-Length", "0"), CultureInfo.InvariantCulture), cancellationToken);
        }

        var response = new HttpResponseMessage((HttpStatusCode)int.Parse(status.Split(' ')[1], CultureInfo.InvariantCulture)) { Content = new ByteArrayContent(body) };
        if (headers.TryGetValue("Content-Type", out var contentType))
        {
            response.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        }

        return response;
    }

    private static async Task<int> ReadChunkSizeAsync(BufferedReader reader, CancellationToken cancellationToken) =>
        int.Parse((await reader.ReadLineAsync(cancellationToken)).Split(';')[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture);

    private sealed class BufferedReader(Stream connection)
    {
        private readonly byte[] buffer = new byte[8192];
        private int start;
        private int end;

        public async Task<string> ReadLineAsync(CancellationToken cancellationToken)
        {
            var line = new StringBuilder();
            while (true)
            {
                var next = await ReadByteAsync(cancellationToken);
                if (next == '\n')
                {
                    return line.ToString().TrimEnd('\r');
                }

                line.Append((char)next);
            }
        }

        public async Task<byte[]> ReadBytesAsync(int count, CancellationToken cancellationToken)
        {
            var bytes = new byte[count];
            for (var i = 0; i < count; i++)
            {
                bytes[i] = await ReadByteAsync(cancellationToken);
            }

            return bytes;
        }

        private async ValueTask<byte> ReadByteAsync(CancellationToken cancellationToken)
        {
            if (start == end)
            {
                start = 0;
                end = await connection.ReadAsync(buffer, cancellationToken);
                if (end == 0)
                {
                    throw new EndOfStreamException("The connection closed before the response was complete.");
                }
            }

            return buffer[start++];
        }
    }
}
