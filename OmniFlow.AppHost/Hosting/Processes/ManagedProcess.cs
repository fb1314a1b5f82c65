using System.Diagnostics;

namespace OmniFlow.AppHost.Hosting.Processes;

/// <summary>
/// A child process started in its own session and process group (via setsid), so a terminal's Ctrl+C reaches only
/// the AppHost, which then stops each child in order; stopping kills the whole group and every descendant.
/// </summary>
public sealed class ManagedProcess
{
    private readonly Process process;
    private readonly ProcessGroupRegistry? registry;

    private ManagedProcess(Process process, Task leaderExited, ProcessGroupRegistry? registry)
    {
        this.process = process;
        this.registry = registry;
        Pid = process.Id;
        Exited = WaitForExitAsync(leaderExited);
    }

    public int Pid { get; }

    /// <summary>Completes with the exit code when the process has exited.</summary>
    public Task<int> Exited { get; }

    public bool HasExited => Exited.IsCompleted;

    public static ManagedProcess Start(ProcessSpec spec, Action<string> onOutput, ProcessGroupRegistry? registry = null)
    {
        // Started from a child of ours, setsid(1) is never a group leader, so it execs in place: the pid we get is the
        // program's, and it leads its own session and process group.
        var info = new ProcessStartInfo("setsid")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = spec.WorkingDirectory ?? Directory.GetCurrentDirectory(),
        };
        info.ArgumentList.Add(spec.FileName);
        foreach (var argument in spec.Arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in spec.Environment)
        {
            info.Environment[name] = value;
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var leaderExited = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        process.Exited += (_, _) => leaderExited.TrySetResult();
        process.OutputDataReceived += (_, line) => Forward(line.Data, onOutput);
        process.ErrorDataReceived += (_, line) => Forward(line.Data, onOutput);
        process.Start();
        WaitUntilGroupLeader(process);
        registry?.Add(process.Id);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new ManagedProcess(process, leaderExited.Task, registry);
    }

    /// <summary>SIGTERM to the group and every descendant; SIGKILL whatever is left after <paramref name="grace"/>.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        var descendants = ProcessTree.Descendants(Pid);
        Signal(descendants, Signals.SigTerm);
        var stopped = await Task.WhenAny(Exited, Task.Delay(grace)) == Exited;
        var leftovers = descendants.Concat(ProcessTree.Descendants(Pid)).Where(Signals.IsAlive).ToList();
        if (!stopped || leftovers.Count > 0)
        {
            Signal(leftovers, Signals.SigKill);
        }

        await Exited;
    }

    private void Signal(IEnumerable<int> descendants, int signal)
    {
        Signals.SendToGroup(Pid, signal);
        foreach (var pid in descendants)
        {
            Signals.Send(pid, signal);
        }
    }

    private async Task<int> WaitForExitAsync(Task leaderExited)
    {
        await leaderExited;
        // The group lives and dies with its leader: nothing it started may linger once it is gone.
        Signals.SendToGroup(Pid, Signals.SigKill);
        registry?.Remove(Pid);
        var exitCode = process.ExitCode;
        try
        {
            // Drain the last output lines; a descendant in another session may still hold the pipe open.
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(2));
            process.Dispose();
        }
        catch (TimeoutException)
        {
            // Its remaining output is dropped.
        }

        return exitCode;
    }

    /// <summary>Until the child has called setsid, signals to its group would miss it.</summary>
    private static void WaitUntilGroupLeader(Process process)
    {
        var deadline = Environment.TickCount64 + 2000;
        while (ProcessTree.GroupOf(process.Id) is { } group && group != process.Id && Environment.TickCount64 < deadline)
        {
            Thread.Sleep(1);
        }
    }

    private static void Forward(string? line, Action<string> onOutput)
    {
        if (line is not null)
        {
            onOutput(line);
        }
    }
}
