using YamlDotNet.Serialization;

namespace OmniFlow.AppHost.Publishing;

/// <summary>YAML of plain dictionaries and lists, in insertion order; several documents separated by <c>---</c>.</summary>
internal static class Yaml
{
    private static readonly ISerializer Serializer = new SerializerBuilder()
        .DisableAliases()
        .WithQuotingNecessaryStrings(quoteYaml1_1Strings: true) // 00:10:00, yes, on: strings for every YAML reader
        .Build();

    public static string Serialize(object document) => Serializer.Serialize(document);

    public static string SerializeAll(IEnumerable<object> documents) => string.Join("---\n", documents.Select(Serialize));
}
