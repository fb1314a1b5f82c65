namespace OmniFlow.AppHost.Hosting.Resolution;

/// <summary>Finds executables on PATH and in the sbin folders where server daemons live.</summary>
public sealed class BinaryLocator(IEnumerable<string> folders)
{
    private static readonly string[] ServerFolders = ["/usr/sbin", "/usr/local/sbin", "/sbin"];

    private readonly string[] folders = [.. folders];

    public static BinaryLocator FromPath(string? path) =>
        new((path ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries).Concat(ServerFolders));

    /// <summary>Finds nothing: every backing service is external or embedded (<c>AppHost:UseLocalBinaries=false</c>).</summary>
    public static BinaryLocator None { get; } = new([]);

    public static BinaryLocator FromEnvironment() => FromPath(Environment.GetEnvironmentVariable("PATH"));

    public string? Find(string name) =>
        folders.Select(folder => Path.Combine(folder, name)).FirstOrDefault(IsExecutable);

    private static bool IsExecutable(string path) =>
        File.Exists(path) && !OperatingSystem.IsWindows() && (File.GetUnixFileMode(path) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0;
}
