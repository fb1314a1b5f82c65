namespace OmniFlow.Tests.Infrastructure;

/// <summary>Where the repository's sources are, found from the test binaries.</summary>
public static class SourceTree
{
    public static string SolutionDirectory()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "OmniFlow.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("OmniFlow.sln was not found above the test binaries.");
    }
}
