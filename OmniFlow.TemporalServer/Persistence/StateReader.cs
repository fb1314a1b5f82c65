using Google.Protobuf;

namespace OmniFlow.TemporalServer.Persistence;

/// <summary>Reads what a <see cref="StateWriter"/> wrote, in the same order.</summary>
public sealed class StateReader(byte[] data)
{
    private readonly BinaryReader _reader = new(new MemoryStream(data));

    public bool Bool() => _reader.ReadBoolean();

    public int Int() => _reader.ReadInt32();

    public long Long() => _reader.ReadInt64();

    public string String() => _reader.ReadString();

    public DateTimeOffset Time() => new(_reader.ReadInt64(), TimeSpan.Zero);

    public DateTimeOffset? OptionalTime() => Bool() ? Time() : null;

    /// <summary>A message, or null when null was written.</summary>
    public T? Message<T>(MessageParser<T> parser)
        where T : class, IMessage<T>
    {
        var length = Int();
        return length < 0 ? null : parser.ParseFrom(_reader.ReadBytes(length));
    }

    public List<T> All<T>(Func<StateReader, T> read)
    {
        var count = Int();
        var items = new List<T>(count);
        for (var i = 0; i < count; i++)
        {
            items.Add(read(this));
        }

        return items;
    }
}
