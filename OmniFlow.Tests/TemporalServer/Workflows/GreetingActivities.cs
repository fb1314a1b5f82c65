using Temporalio.Activities;

namespace OmniFlow.Tests.TemporalServer.Workflows;

public sealed class GreetingActivities
{
    [Activity]
    public string Greet(string name) => $"Hello, {name}";
}
