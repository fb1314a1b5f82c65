using System.Diagnostics;

namespace OmniFlow.AppHost.Hosting.Processes;

/// <summary>
/// Keeps the process groups this AppHost started in <c>apphost.&lt;pid&gt;.groups</c> under the data directory, and
/// starts a watchdog that kills those groups if the AppHost dies without stopping them (SIGKILL, crash).
/// A later AppHost also sweeps files left by dead ones.
/// </summary>
public sealed class ProcessGroupRegistry : IDisposable
{
    // Runs in its own session, so the terminal's Ctrl+C does not end it before the AppHost has stopped its children.
    private const string WatchdogScript = """
        file="$1"; host="$2"
        while kill -0 "$host" 2>/dev/null; do sleep 1; done
        [ -f "$file" ] || exit 0
        for group in $(cat "$file"); do kill -TERM "-$group" 2>/dev/null; done
        sleep 3
        for group in $(cat "$file"); do kill -KILL "-$group" 2>/dev/null; done
        rm -f "$file"
        """;

    private readonly HashSet<int> groups = [];
    private readonly Lock gate = new();
    private readonly string file;
    private Process? watchdog;

    public ProcessGroupRegistry(string directory)
    {
        Directory.CreateDirectory(directory);
        SweepAbandoned(directory);
        file = Path.Combine(directory, $"apphost.{Environment.ProcessId}.groups");
        File.WriteAllText(file, string.Empty);
    }

    public IReadOnlyCollection<int> Groups
    {
        get
        {
            lock (gate)
            {
                return [.. groups];
            }
        }
    }

    public void StartWatchdog()
    {
        var info = new ProcessStartInfo("setsid") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in (string[])["sh", "-c", WatchdogScript, "omniflow-watchdog", file, Environment.ProcessId.ToString()])
        {
            info.ArgumentList.Add(argument);
        }

        watchdog = Process.Start(info);
    }

    public void Add(int groupId) => Update(() => groups.Add(groupId));

    public void Remove(int groupId) => Update(() => groups.Remove(groupId));

    public void Dispose()
    {
        if (watchdog is { HasExited: false })
        {
            watchdog.Kill();
            watchdog.WaitForExit();
        }

        watchdog?.Dispose();
        File.Delete(file);
    }

    private void Update(Func<bool> change)
    {
        lock (gate)
        {
            if (change())
            {
                File.WriteAllLines(file, groups.Select(group => group.ToString()));
            }
        }
    }

    private static void SweepAbandoned(string directory)
    {
        foreach (var abandoned in Directory.EnumerateFiles(directory, "apphost.*.groups"))
        {
            var owner = Path.GetFileName(abandoned).Split('.')[1];
            if (int.TryParse(owner, out var ownerPid) && !Signals.IsAlive(ownerPid))
            {
                foreach (var line in File.ReadAllLines(abandoned))
                {
                    if (int.TryParse(line, out var group))
                    {
                        Signals.SendToGroup(group, Signals.SigKill);
                    }
                }

                File.Delete(abandoned);
            }
        }
    }
}
