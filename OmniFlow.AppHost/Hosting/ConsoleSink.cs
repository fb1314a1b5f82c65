namespace OmniFlow.AppHost.Hosting;

/// <summary>Writes every resource's output to the console, each line prefixed with its resource's name (colored on a TTY).</summary>
public sealed class ConsoleSink(bool enabled = true)
{
    private static readonly string[] Colors = ["\e[36m", "\e[33m", "\e[35m", "\e[32m", "\e[34m", "\e[91m", "\e[96m"];

    private readonly bool color = !Console.IsOutputRedirected && System.Environment.GetEnvironmentVariable("NO_COLOR") is null;
    private readonly Lock gate = new();
    private int width = 8;

    public void WriteLine(string source, int colorIndex, string line)
    {
        if (!enabled)
        {
            return;
        }

        lock (gate)
        {
            width = Math.Max(width, source.Length);
            var prefix = source.PadRight(width);
            Console.Out.WriteLine(color ? $"{Colors[colorIndex % Colors.Length]}{prefix} |\e[0m {line}" : $"{prefix} | {line}");
        }
    }
}

/// <summary>One resource's output: forwarded to the console and kept (the last lines) for the dashboard.</summary>
public sealed class ResourceLog(string source, int colorIndex, ConsoleSink sink)
{
    private const int Capacity = 200;

    private readonly Queue<string> recent = new();
    private readonly Lock gate = new();

    public void Write(string line)
    {
        lock (gate)
        {
            recent.Enqueue(line);
            if (recent.Count > Capacity)
            {
                recent.Dequeue();
            }
        }

        sink.WriteLine(source, colorIndex, line);
    }

    public IReadOnlyList<string> Recent(int count)
    {
        lock (gate)
        {
            return [.. recent.TakeLast(count)];
        }
    }
}
