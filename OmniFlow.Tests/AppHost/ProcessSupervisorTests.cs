using OmniFlow.AppHost.Hosting.Processes;

namespace OmniFlow.Tests.AppHost;

/// <summary>Children run in their own process group and session; stopping leaves nothing behind, not even escapees.</summary>
public sealed class ProcessSupervisorTests
{
    [Fact]
    public async Task A_child_leads_its_own_process_group_and_session()
    {
        var child = ManagedProcess.Start(new ProcessSpec("sleep", ["30"]), _ => { });
        try
        {
            var stat = File.ReadAllText($"/proc/{child.Pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            Assert.Equal(child.Pid.ToString(), fields[2]); // process group
            Assert.Equal(child.Pid.ToString(), fields[3]); // session
            // setsid(1) execs in place; until the exec completes, the command line may still be setsid's, or empty.
            await ProcessProbe.WaitUntilAsync(
                () => File.ReadAllText($"/proc/{child.Pid}/cmdline").StartsWith("sleep\0", StringComparison.Ordinal),
                TimeSpan.FromSeconds(5),
                "the child has exec'd sleep");
        }
        finally
        {
            await child.StopAsync(TimeSpan.FromSeconds(2));
        }

        Assert.False(ProcessProbe.IsAlive(child.Pid));
    }

    [Fact]
    public async Task Stopping_kills_the_whole_tree_including_a_grandchild_in_its_own_session()
    {
        var marker = $"omniflow-tree-{Guid.NewGuid():N}";
        // A shell that ignores SIGTERM, with a child in its group and a grandchild that escaped into a new session.
        var script = $"trap '' TERM; sleep 300 & setsid sleep 301 & echo {marker} ready; wait";
        var lines = new List<string>();
        var child = ManagedProcess.Start(new ProcessSpec("sh", ["-c", script, marker]), line => { lock (lines) { lines.Add(line); } });
        await ProcessProbe.WaitUntilAsync(() => ProcessTree.Descendants(child.Pid).Count >= 2, TimeSpan.FromSeconds(10), "the shell has two children");
        var tree = ProcessTree.Descendants(child.Pid).Append(child.Pid).ToList();
        Assert.Contains(tree, pid => ProcessTree.GroupOf(pid) != child.Pid);

        var stopping = System.Diagnostics.Stopwatch.StartNew();
        await child.StopAsync(TimeSpan.FromSeconds(1));

        Assert.True(stopping.Elapsed < TimeSpan.FromSeconds(5), $"stop took {stopping.Elapsed}");
        Assert.All(tree, pid => Assert.False(ProcessProbe.IsAlive(pid), $"pid {pid} survived"));
        Assert.Empty(ProcessProbe.WithCommandLineContaining(marker));
        Assert.NotEqual(0, await child.Exited);
        lock (lines)
        {
            Assert.Contains($"{marker} ready", lines);
        }
    }

    [Fact]
    public async Task Groups_left_by_a_dead_apphost_are_killed_by_the_next_one()
    {
        var directory = Directory.CreateTempSubdirectory("omniflow-registry-").FullName;
        var orphan = ManagedProcess.Start(new ProcessSpec("sleep", ["300"]), _ => { });
        try
        {
            // An AppHost that died (pid 2^22 - 1 is above any pid_max default) left its groups behind.
            File.WriteAllLines(Path.Combine(directory, "apphost.4194303.groups"), [orphan.Pid.ToString()]);

            using var registry = new ProcessGroupRegistry(directory);

            await orphan.Exited.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);
            Assert.False(ProcessProbe.IsAlive(orphan.Pid));
            Assert.False(File.Exists(Path.Combine(directory, "apphost.4194303.groups")));
        }
        finally
        {
            await orphan.StopAsync(TimeSpan.FromSeconds(1));
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task The_registry_lists_live_groups_for_the_watchdog()
    {
        var directory = Directory.CreateTempSubdirectory("omniflow-registry-").FullName;
        try
        {
            using var registry = new ProcessGroupRegistry(directory);
            var file = Path.Combine(directory, $"apphost.{Environment.ProcessId}.groups");
            var child = ManagedProcess.Start(new ProcessSpec("sleep", ["300"]), _ => { }, registry);

            Assert.Equal([child.Pid.ToString()], File.ReadAllLines(file));
            await child.StopAsync(TimeSpan.FromSeconds(2));
            Assert.Empty(File.ReadAllLines(file));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
