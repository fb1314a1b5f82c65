namespace OmniFlow.Tests.TemporalServer.Infrastructure;

/// <summary>The built OmniFlow.TemporalServer apphost: the project reference copies it next to the tests.</summary>
public static class ServerExecutable
{
    public static string Path
    {
        get
        {
            if (Environment.GetEnvironmentVariable("OMNIFLOW_TEMPORAL_SERVER_PATH") is { Length: > 0 } overridden)
            {
                return overridden;
            }

            var name = OperatingSystem.IsWindows() ? "OmniFlow.TemporalServer.exe" : "OmniFlow.TemporalServer";
            var path = System.IO.Path.Combine(AppContext.BaseDirectory, name);
            return File.Exists(path)
                ? path
                : throw new FileNotFoundException($"OmniFlow.TemporalServer was not built next to the tests ({path}).");
        }
    }
}
