namespace OmniFlow.Tests.WholeSystem;

/// <summary>
/// Whole-system tests start real AppHosts on free ports (<c>AppHost:PreferWellKnownPorts=false</c>, so they never race
/// another AppHost on this machine for 6379, 3306 or 7233), one class at a time: each starts a whole system.
/// </summary>
[CollectionDefinition(Name)]
public sealed class WholeSystemCollection
{
    public const string Name = "WholeSystem";
}
