namespace OmniFlow.Tests.AppHost;

/// <summary>A process's descendants and command line, read from /proc as ps would.</summary>
internal static class ProcessTree
{
    public static List<int> Descendants(int root)
    {
        var found = new List<int>();
        var pending = new Queue<int>([root]);
        while (pending.TryDequeue(out var pid))
        {
            foreach (var child in Children(pid))
            {
                found.Add(child);
                pending.Enqueue(child);
            }
        }

        return found;
    }

    /// <summary>Live processes whose command line contains <paramref name="marker"/>.</summary>
    public static List<int> WithCommandLineContaining(string marker) =>
        [.. Directory.EnumerateDirectories("/proc")
            .Select(directory => int.TryParse(Path.GetFileName(directory), out var pid) ? pid : 0)
            .Where(pid => pid > 0 && $"{CommandLine(pid)} ".Contains(marker, StringComparison.Ordinal) && ProcessProbe.IsAlive(pid))];

    public static string CommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ').Trim();
        }
        catch (IOException)
        {
            return string.Empty;
        }
    }

    private static IEnumerable<int> Children(int pid)
    {
        try
        {
            return Directory.EnumerateDirectories($"/proc/{pid}/task")
                .SelectMany(task => File.ReadAllText(Path.Combine(task, "children")).Split(' ', StringSplitOptions.RemoveEmptyEntries))
                .Select(int.Parse)
                .ToList();
        }
        catch (IOException)
        {
            return [];
        }
    }
}
