namespace OmniFlow.AppHost.Hosting.Processes;

/// <summary>A process to start: executable, arguments, environment and working directory.</summary>
public sealed record ProcessSpec(string FileName, IReadOnlyList<string> Arguments)
{
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    public string? WorkingDirectory { get; init; }

    public override string ToString() => string.Join(' ', [FileName, .. Arguments]);
}
