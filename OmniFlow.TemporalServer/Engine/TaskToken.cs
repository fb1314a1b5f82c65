using Google.Protobuf;

namespace OmniFlow.TemporalServer.Engine;

public enum TaskTokenKind : byte
{
    WorkflowTask = 1,
    ActivityTask = 2,
    QueryTask = 3,
}

/// <summary>Opaque to the SDK, self-describing to us: a stale or repeated completion is recognised by it.</summary>
public sealed record TaskToken(
    TaskTokenKind Kind,
    string Namespace,
    string WorkflowId,
    string RunId,
    long ScheduledEventId,
    int Attempt,
    string QueryId = "")
{
    public ByteString ToByteString()
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream))
        {
            writer.Write((byte)Kind);
            writer.Write(Namespace);
            writer.Write(WorkflowId);
            writer.Write(RunId);
            writer.Write(ScheduledEventId);
            writer.Write(Attempt);
            writer.Write(QueryId);
        }

        return ByteString.CopyFrom(stream.ToArray());
    }

    public static TaskToken Parse(ByteString token)
    {
        try
        {
            using var reader = new BinaryReader(new MemoryStream(token.ToByteArray()));
            return new TaskToken(
                (TaskTokenKind)reader.ReadByte(),
                reader.ReadString(),
                reader.ReadString(),
                reader.ReadString(),
                reader.ReadInt64(),
                reader.ReadInt32(),
                reader.ReadString());
        }
        catch (Exception ex) when (ex is EndOfStreamException or IOException or InvalidCastException)
        {
            throw Errors.InvalidArgument("Malformed task token.");
        }
    }
}
