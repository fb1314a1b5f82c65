namespace OmniFlow.AppHost.Hosting.Processes;

/// <summary>Reads the process tree from /proc.</summary>
public static class ProcessTree
{
    /// <summary>Every live descendant of <paramref name="pid"/> (children, grandchildren, ...), whatever their session.</summary>
    public static IReadOnlyList<int> Descendants(int pid)
    {
        var children = Snapshot().ToLookup(entry => entry.ParentId, entry => entry.Pid);
        var found = new List<int>();
        var pending = new Queue<int>([pid]);
        while (pending.TryDequeue(out var current))
        {
            foreach (var child in children[current])
            {
                found.Add(child);
                pending.Enqueue(child);
            }
        }

        return found;
    }

    /// <summary>The process group of <paramref name="pid"/>, or null when it is gone.</summary>
    public static int? GroupOf(int pid) => Read(pid)?.GroupId;

    private static IEnumerable<(int Pid, int ParentId, int GroupId)> Snapshot()
    {
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(directory), out var pid) && Read(pid) is { } entry)
            {
                yield return entry;
            }
        }
    }

    private static (int Pid, int ParentId, int GroupId)? Read(int pid)
    {
        try
        {
            // Fields after "(comm)": state ppid pgrp ...; comm may itself contain spaces and parentheses.
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return (pid, int.Parse(fields[1]), int.Parse(fields[2]));
        }
        catch (IOException)
        {
            return null;
        }
    }
}
