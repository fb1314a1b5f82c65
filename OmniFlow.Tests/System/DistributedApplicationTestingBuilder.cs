using OmniFlow.AppHost.Hosting;

namespace OmniFlow.Tests.WholeSystem;

/// <summary>
/// What Aspire.Hosting.Testing's builder does, for our AppHost: runs OmniFlow.AppHost's Program.cs in this process,
/// takes the application it builds instead of letting <c>Run()</c> block, and hands it to the test to start and stop.
/// </summary>
public static class DistributedApplicationTestingBuilder
{
    public static DistributedApplication Create(params string[] args)
    {
        DistributedApplication? built = null;
        DistributedApplication.Interceptor.Value = application => built = application;
        try
        {
            typeof(Projects.OmniFlow_Api).Assembly.EntryPoint!.Invoke(null, [args]);
        }
        finally
        {
            DistributedApplication.Interceptor.Value = null;
        }

        return built ?? throw new InvalidOperationException("OmniFlow.AppHost's Program.cs did not build an application.");
    }
}
