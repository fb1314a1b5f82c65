using Microsoft.Extensions.Configuration;

namespace OmniFlow.AppHost.Hosting.Publishing;

/// <summary><c>publish --output DIR</c>: docker-compose.yaml, k8s/*.yaml and manifest.json from one resource model.</summary>
public static class ManifestPublisher
{
    public static void WriteAll(IReadOnlyList<Resource> resources, IConfiguration configuration, string outputDirectory)
    {
        var model = new DeploymentModel(resources, configuration);
        var kubernetes = Path.Combine(outputDirectory, "k8s");
        Directory.CreateDirectory(kubernetes);
        File.WriteAllText(Path.Combine(outputDirectory, "docker-compose.yaml"), ComposeWriter.Write(model));
        foreach (var (name, content) in KubernetesWriter.Write(model))
        {
            File.WriteAllText(Path.Combine(kubernetes, name), content);
        }

        File.WriteAllText(Path.Combine(outputDirectory, "manifest.json"), AspireManifestWriter.Write(resources, configuration, outputDirectory));
    }
}
