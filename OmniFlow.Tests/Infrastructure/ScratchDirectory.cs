namespace OmniFlow.Tests.Infrastructure;

/// <summary>A directory under the machine's temp folder that a test owns and deletes, with what is in it, when done.</summary>
public sealed class ScratchDirectory(string prefix) : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory(prefix).FullName;

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        if (Directory.Exists(Path))
        {
            Directory.Delete(Path, recursive: true);
        }
    }
}
