using OmniFlow.Stress;

namespace OmniFlow.Tests.Stress;

public sealed class StressOptionsTests
{
    [Fact]
    public void Defaults_match_the_seed_benchmark()
    {
        var options = StressOptions.Parse([]);

        Assert.Equal(new Uri("http://127.0.0.1:8000"), options.Url);
        Assert.Equal(2000, options.Concurrency);
        Assert.Equal(40000, options.Requests);
        Assert.Equal(10, options.Stock);
        Assert.Null(options.Users);
        Assert.Null(options.Duration);
        Assert.False(options.Json);
        Assert.Equal("dev-admin-key", options.AdminKey);
        Assert.Equal(0, options.PayShare);
        Assert.False(options.ExpectOutage);
    }

    [Fact]
    public void Every_option_is_read()
    {
        var options = StressOptions.Parse(
        [
            "--url", "http://127.0.0.1:9000", "--concurrency", "64", "--requests=1000", "--stock", "0", "--sku", "iPhone_15-Pro",
            "--users", "2000", "--duration", "30s", "--json", "--admin-key", "secret", "--price", "99.5", "--settle-timeout", "2m",
            "--pay", "0.6", "--webhook-secret", "whsec", "--expect-outage",
        ]);

        Assert.Equal(new Uri("http://127.0.0.1:9000"), options.Url);
        Assert.Equal(64, options.Concurrency);
        Assert.Equal(1000, options.Requests);
        Assert.Equal(0, options.Stock);
        Assert.Equal("iPhone_15-Pro", options.Sku);
        Assert.Equal(2000, options.Users);
        Assert.Equal(TimeSpan.FromSeconds(30), options.Duration);
        Assert.True(options.Json);
        Assert.Equal("secret", options.AdminKey);
        Assert.Equal(99.5m, options.Price);
        Assert.Equal(TimeSpan.FromMinutes(2), options.SettleTimeout);
        Assert.Equal(0.6, options.PayShare);
        Assert.Equal("whsec", options.WebhookSecret);
        Assert.True(options.ExpectOutage);
    }

    [Theory]
    [InlineData("500ms", 500)]
    [InlineData("30s", 30_000)]
    [InlineData("1.5s", 1_500)]
    [InlineData("2m", 120_000)]
    [InlineData("1h", 3_600_000)]
    [InlineData("00:00:45", 45_000)]
    public void Durations_read_like_people_write_them(string text, int milliseconds) =>
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), StressOptions.ParseDuration("--duration", text));

    [Theory]
    [InlineData("--concurrency", "0")]
    [InlineData("--concurrency", "many")]
    [InlineData("--requests", "-1")]
    [InlineData("--pay", "1.5")]
    [InlineData("--stock", "-1")]
    [InlineData("--users", "0")]
    [InlineData("--duration", "soon")]
    [InlineData("--duration", "0s")]
    [InlineData("--url", "ftp://host")]
    [InlineData("--url", "not a url")]
    [InlineData("--sku", "bad sku!")]
    [InlineData("--frobnicate", "1")]
    public void Bad_values_are_refused_with_the_option_named(string option, string value)
    {
        var error = Assert.Throws<FormatException>(() => StressOptions.Parse([option, value]));

        Assert.Contains(option, error.Message);
    }

    [Fact]
    public void A_missing_value_is_refused() =>
        Assert.Contains("needs a value", Assert.Throws<FormatException>(() => StressOptions.Parse(["--requests"])).Message);

    [Fact]
    public void A_stray_argument_is_refused() =>
        Assert.Throws<FormatException>(() => StressOptions.Parse(["8000"]));
}
