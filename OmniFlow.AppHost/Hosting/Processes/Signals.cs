using System.Runtime.InteropServices;

namespace OmniFlow.AppHost.Hosting.Processes;

/// <summary>POSIX kill(2) for processes and process groups.</summary>
public static class Signals
{
    public const int SigKill = 9;
    public const int SigTerm = 15;

    /// <summary>Signals every process of the group led by <paramref name="groupId"/>.</summary>
    public static void SendToGroup(int groupId, int signal) => _ = NativeMethods.Kill(-groupId, signal);

    public static void Send(int pid, int signal) => _ = NativeMethods.Kill(pid, signal);

    /// <summary>True when the process exists and is not a zombie.</summary>
    public static bool IsAlive(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var state = stat[(stat.LastIndexOf(')') + 2)..][0];
            return state is not ('Z' or 'X');
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return true;
        }
    }

    private static class NativeMethods
    {
        [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
        public static extern int Kill(int pid, int signal);
    }
}
