using YamlDotNet.Serialization;

namespace OmniFlow.AppHost.Hosting.Publishing;

internal static class Yaml
{
    private static readonly ISerializer Serializer = new SerializerBuilder()
        .WithQuotingNecessaryStrings()
        .ConfigureDefaultValuesHandling(DefaultValuesHandling.OmitNull)
        .Build();

    public static string Serialize(object document) => Serializer.Serialize(document);

    /// <summary>Several documents in one file, separated by <c>---</c>.</summary>
    public static string SerializeAll(IEnumerable<object> documents) =>
        string.Join("---\n", documents.Select(Serialize));
}
