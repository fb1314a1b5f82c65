namespace OmniFlow.Tests.WholeSystem;

/// <summary>
/// Whole-system tests start real AppHosts, which prefer the well-known ports (6379, 3306, 7233): they run one class at
/// a time so that two AppHosts never race for the same port.
/// </summary>
[CollectionDefinition(Name)]
public sealed class WholeSystemCollection
{
    public const string Name = "WholeSystem";
}
