using OmniFlow.AppHost.Hosting.Processes;

namespace OmniFlow.AppHost.Hosting.Resources;

/// <summary>
/// Runs a project from its build output with <c>dotnet Project.dll</c>: faster than <c>dotnet run</c>, and the pid we
/// supervise is the application's own. The AppHost's project references build them together with the AppHost.
/// </summary>
public static class ProjectOutput
{
    public static string AssemblyPath(IProjectMetadata project)
    {
        var directory = Path.GetDirectoryName(project.ProjectPath)!;
        var name = Path.GetFileNameWithoutExtension(project.ProjectPath);
        return Path.Combine(directory, "bin", RunContext.BuildConfiguration, RunContext.TargetFramework, $"{name}.dll");
    }

    public static ProcessSpec Command(IProjectMetadata project, IReadOnlyList<string> arguments) =>
        new("dotnet", [AssemblyPath(project), .. arguments])
        {
            WorkingDirectory = Path.GetDirectoryName(project.ProjectPath),
        };

    /// <summary>Builds the project when its output is missing (e.g. the AppHost was built alone).</summary>
    public static Func<Action<string>, CancellationToken, Task> EnsureBuilt(IProjectMetadata project) => async (log, cancellationToken) =>
    {
        if (File.Exists(AssemblyPath(project)))
        {
            return;
        }

        log($"building {project.ProjectPath}");
        var build = ManagedProcess.Start(
            new ProcessSpec("dotnet", ["build", project.ProjectPath, "-c", RunContext.BuildConfiguration, "--nologo", "-v", "q"]), log);
        if (await build.Exited.WaitAsync(cancellationToken) != 0)
        {
            throw new InvalidOperationException($"dotnet build {project.ProjectPath} failed");
        }
    };
}
