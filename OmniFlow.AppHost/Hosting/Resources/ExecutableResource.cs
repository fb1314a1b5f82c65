using OmniFlow.AppHost.Hosting.Health;
using OmniFlow.AppHost.Hosting.Processes;

namespace OmniFlow.AppHost.Hosting.Resources;

/// <summary>Any executable run as a supervised process (Aspire's <c>AddExecutable</c>).</summary>
public sealed class ExecutableResource(string name, string command, string workingDirectory, IReadOnlyList<string> arguments) : Resource(name)
{
    public override string Kind => "Executable";

    /// <summary>What decides it is healthy (<c>WithHealthCheck</c>); without one it is healthy once started.</summary>
    public IHealthCheck? HealthCheck { get; set; }

    public override ResourcePlan Plan(RunContext context) =>
        new(ResourceMode.LocalBinary, $"{command} {string.Join(' ', arguments)}")
        {
            Process = new ProcessSpec(command, arguments)
            {
                WorkingDirectory = workingDirectory,
                Environment = ResolveEnvironment(),
            },
            HealthCheck = HealthCheck,
        };
}
