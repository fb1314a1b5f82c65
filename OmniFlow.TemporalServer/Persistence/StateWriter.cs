using Google.Protobuf;

namespace OmniFlow.TemporalServer.Persistence;

/// <summary>Writes a stored state: primitives, times and protobuf messages (length-prefixed), in the order the reader reads them.</summary>
public sealed class StateWriter
{
    private readonly MemoryStream _stream = new();
    private readonly BinaryWriter _writer;

    public StateWriter() => _writer = new BinaryWriter(_stream);

    public StateWriter Write(bool value)
    {
        _writer.Write(value);
        return this;
    }

    public StateWriter Write(int value)
    {
        _writer.Write(value);
        return this;
    }

    public StateWriter Write(long value)
    {
        _writer.Write(value);
        return this;
    }

    public StateWriter Write(string? value)
    {
        _writer.Write(value ?? "");
        return this;
    }

    public StateWriter Write(DateTimeOffset value) => Write(value.UtcTicks);

    public StateWriter Write(DateTimeOffset? value) => Write(value.HasValue).WriteIf(value, v => Write(v));

    /// <summary>A message or null.</summary>
    public StateWriter Write(IMessage? message)
    {
        if (message is null)
        {
            return Write(-1);
        }

        var bytes = message.ToByteArray();
        Write(bytes.Length);
        _writer.Write(bytes);
        return this;
    }

    public StateWriter WriteAll<T>(IReadOnlyCollection<T> items, Action<StateWriter, T> write)
    {
        Write(items.Count);
        foreach (var item in items)
        {
            write(this, item);
        }

        return this;
    }

    private StateWriter WriteIf<T>(T? value, Action<T> write)
        where T : struct
    {
        if (value is { } v)
        {
            write(v);
        }

        return this;
    }

    public byte[] ToArray()
    {
        _writer.Flush();
        return _stream.ToArray();
    }
}
