using Google.Protobuf;

namespace OmniFlow.TemporalServer.Engine;

/// <summary>
/// next_page_token values: a position (history event id, list offset) as little-endian bytes. A token the server did
/// not hand out is the caller's mistake (INVALID_ARGUMENT), as on a real server, not an internal error.
/// </summary>
public static class PageTokens
{
    public static ByteString Of(long position) => ByteString.CopyFrom(BitConverter.GetBytes(position));

    public static ByteString Of(int position) => ByteString.CopyFrom(BitConverter.GetBytes(position));

    /// <summary>The event id in a history token, or <paramref name="empty"/> for no token.</summary>
    public static long ReadEventId(ByteString token, long empty) =>
        token.IsEmpty ? empty
        : token.Length == sizeof(long) && BitConverter.ToInt64(token.Span) is var id and > 0 ? id
        : throw Invalid();

    /// <summary>The offset in a list token, or 0 for no token.</summary>
    public static int ReadOffset(ByteString token) =>
        token.IsEmpty ? 0
        : token.Length == sizeof(int) && BitConverter.ToInt32(token.Span) is var offset and >= 0 ? offset
        : throw Invalid();

    private static Grpc.Core.RpcException Invalid() => Errors.InvalidArgument("Invalid NextPageToken.");
}
