using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace OmniFlow.TemporalServer.Engine;

/// <summary>gRPC errors as the real server shapes them, with google.rpc.Status details where the SDK reads them.</summary>
public static class Errors
{
    public static RpcException NotFound(string message) => new(new Status(StatusCode.NotFound, message));

    public static RpcException InvalidArgument(string message) => new(new Status(StatusCode.InvalidArgument, message));

    public static RpcException FailedPrecondition(string message) =>
        new(new Status(StatusCode.FailedPrecondition, message));

    public static RpcException WithDetail(StatusCode code, string message, IMessage detail)
    {
        var trailers = new Metadata { { "grpc-status-details-bin", EncodeRpcStatus(code, message, detail) } };
        return new RpcException(new Status(code, message), trailers, message);
    }

    /// <summary>Encodes a google.rpc.Status { code = 1; message = 2; repeated Any details = 3 }.</summary>
    private static byte[] EncodeRpcStatus(StatusCode code, string message, IMessage detail)
    {
        using var stream = new MemoryStream();
        var output = new CodedOutputStream(stream);
        output.WriteTag(1, WireFormat.WireType.Varint);
        output.WriteInt32((int)code);
        output.WriteTag(2, WireFormat.WireType.LengthDelimited);
        output.WriteString(message);
        output.WriteTag(3, WireFormat.WireType.LengthDelimited);
        output.WriteMessage(Any.Pack(detail));
        output.Flush();
        return stream.ToArray();
    }
}
