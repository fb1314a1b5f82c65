namespace OmniFlow.Tests.Infrastructure;

/// <summary>
/// Decides what a test does when a service it needs (a binary, a port) is missing:
/// skip with the reason, or fail when OMNIFLOW_REQUIRE_SERVICES=1 (CI).
/// </summary>
public static class RequiredServices
{
    public static bool AreRequired => Environment.GetEnvironmentVariable("OMNIFLOW_REQUIRE_SERVICES") == "1";

    public static void Unavailable(string reason)
    {
        if (AreRequired)
        {
            Assert.Fail($"Required service unavailable (OMNIFLOW_REQUIRE_SERVICES=1): {reason}");
        }

        Assert.Skip(reason);
    }

    /// <summary>The full path of <paramref name="name"/> on PATH or in the usual sbin folders, or null.</summary>
    public static string? FindBinary(string name)
    {
        var folders = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Concat(["/usr/sbin", "/usr/local/sbin", "/usr/bin", "/sbin"]);
        return folders.Select(folder => Path.Combine(folder, name)).FirstOrDefault(File.Exists);
    }
}
