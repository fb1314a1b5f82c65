using Microsoft.Extensions.Configuration;
using OmniFlow.AppHost.Hosting;
using OmniFlow.AppHost.Hosting.Resolution;

namespace OmniFlow.Tests.AppHost;

/// <summary>External configuration beats a local binary, which beats the embedded default.</summary>
[global::System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ServiceResolverTests : IDisposable
{
    private readonly string bin = Directory.CreateTempSubdirectory("omniflow-path-").FullName;

    public void Dispose() => Directory.Delete(bin, recursive: true);

    [Fact]
    public void External_configuration_wins_over_a_local_binary()
    {
        var resolver = Resolver(new() { ["ConnectionStrings:redis"] = "cache.internal:6380" }, "redis-server");

        var resolution = resolver.Resolve("ConnectionStrings:redis", "redis-server");

        Assert.Equal(new ServiceResolution(ResourceMode.External, ExternalValue: "cache.internal:6380"), resolution);
    }

    [Fact]
    public void A_local_binary_wins_over_the_embedded_default()
    {
        var resolver = Resolver([], "mysqld");

        var resolution = resolver.Resolve("ConnectionStrings:omniflowdb", "mariadbd", "mysqld");

        Assert.Equal(ResourceMode.LocalBinary, resolution.Mode);
        Assert.Equal(Path.Combine(bin, "mysqld"), resolution.BinaryPath);
    }

    [Fact]
    public void The_first_named_binary_is_preferred()
    {
        var resolver = Resolver([], "mysqld", "mariadbd");

        Assert.Equal(Path.Combine(bin, "mariadbd"), resolver.Resolve("ConnectionStrings:omniflowdb", "mariadbd", "mysqld").BinaryPath);
    }

    [Fact]
    public void Nothing_configured_and_nothing_installed_means_embedded()
    {
        var resolver = Resolver(new() { ["ConnectionStrings:redis"] = " " }, "not-a-server");

        Assert.Equal(new ServiceResolution(ResourceMode.Embedded), resolver.Resolve("Temporal:Address", "temporal-cli-absent"));
        Assert.Equal(ResourceMode.Embedded, resolver.Resolve("ConnectionStrings:redis", "redis-server-absent").Mode);
    }

    [Fact]
    public void A_file_that_is_not_executable_is_not_a_binary()
    {
        File.WriteAllText(Path.Combine(bin, "redis-server"), "not executable");
        var resolver = new ServiceResolver(new ConfigurationBuilder().Build(), new BinaryLocator([bin]));

        Assert.Equal(ResourceMode.Embedded, resolver.Resolve("ConnectionStrings:redis", "redis-server").Mode);
    }

    [Fact]
    public void Binaries_are_found_on_PATH_in_order()
    {
        var other = Directory.CreateTempSubdirectory("omniflow-path-").FullName;
        try
        {
            MakeExecutable(Path.Combine(other, "redis-server"));
            MakeExecutable(Path.Combine(bin, "redis-server"));

            var locator = BinaryLocator.FromPath($"{other}{Path.PathSeparator}{bin}");

            Assert.Equal(Path.Combine(other, "redis-server"), locator.Find("redis-server"));
        }
        finally
        {
            Directory.Delete(other, recursive: true);
        }
    }

    private ServiceResolver Resolver(Dictionary<string, string?> settings, params string[] installed)
    {
        foreach (var binary in installed)
        {
            MakeExecutable(Path.Combine(bin, binary));
        }

        return new ServiceResolver(new ConfigurationBuilder().AddInMemoryCollection(settings).Build(), new BinaryLocator([bin]));
    }

    private static void MakeExecutable(string path)
    {
        File.WriteAllText(path, "#!/bin/sh\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }
}
