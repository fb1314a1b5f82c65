using OmniFlow.AppHost.Hosting.Processes;

namespace OmniFlow.Tests.AppHost;

/// <summary>Children share the machine's cores, so their .NET thread pools do not spin while idle unless told to.</summary>
public sealed class ProcessEnvironmentTests
{
    [Fact]
    public async Task Children_run_without_thread_pool_spinning_unless_their_spec_says_otherwise()
    {
        var inherited = Environment.GetEnvironmentVariable(ManagedProcess.NoThreadPoolSpinning);

        Assert.Equal(inherited ?? "0", await PrintedSpinLimitAsync(new Dictionary<string, string>()));
        Assert.Equal("35", await PrintedSpinLimitAsync(new Dictionary<string, string> { [ManagedProcess.NoThreadPoolSpinning] = "35" }));
    }

    private static async Task<string> PrintedSpinLimitAsync(Dictionary<string, string> environment)
    {
        var lines = new List<string>();
        var child = ManagedProcess.Start(
            new ProcessSpec("sh", ["-c", $"echo \"limit=${ManagedProcess.NoThreadPoolSpinning}\""]) { Environment = environment },
            line => { lock (lines) { lines.Add(line); } });
        Assert.Equal(0, await child.Exited.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));
        await ProcessProbe.WaitUntilAsync(() => { lock (lines) { return lines.Count > 0; } }, TimeSpan.FromSeconds(5), "the child printed");
        lock (lines)
        {
            return Assert.Single(lines, line => line.StartsWith("limit=", StringComparison.Ordinal))["limit=".Length..];
        }
    }
}
