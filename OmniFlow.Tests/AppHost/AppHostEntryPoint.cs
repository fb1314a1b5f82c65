namespace OmniFlow.Tests.AppHost;

/// <summary>Runs OmniFlow.AppHost's Program.cs in this process, as <c>dotnet run --project OmniFlow.AppHost -- args</c> would.</summary>
internal static class AppHostEntryPoint
{
    public static void Run(params string[] args) =>
        typeof(Projects.OmniFlow_Api).Assembly.EntryPoint!.Invoke(null, [args]);
}
