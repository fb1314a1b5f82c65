using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using OmniFlow.Api;
using OmniFlow.Fulfillment.Notifications;
using OmniFlow.Tests.Infrastructure;
using OmniFlow.Worker;

namespace OmniFlow.Tests.Notifications;

public sealed class NotificationSettingsTests
{
    [Theory]
    [InlineData("worker")]
    [InlineData("api")]
    public async Task A_webhook_url_that_is_not_absolute_http_stops_the_host_at_start_naming_the_setting(string host)
    {
        using var folder = new ScratchDirectory("omniflow-notify-settings-");
        string[] settings =
        [
            "--environment=Development",
            "--urls=http://127.0.0.1:0",
            $"--ConnectionStrings:omniflowdb=Data Source={folder.File("db")}",
            $"--Temporal:Address=127.0.0.1:{Api.ApiHostTests.ClosedPort()}",
            "--Logging:LogLevel:Default=None",
            "--Notifications:Webhooks:0:Url=hooks.example.com/omniflow",
            "--Notifications:Webhooks:0:Secret=s",
        ];
        await using var app = host == "worker" ? OrderWorkerApp.Build(settings) : ApiApp.Build(settings);

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync(TestContext.Current.CancellationToken));

        Assert.Contains("Notifications:Webhooks:0:Url must be an absolute http or https URL, not 'hooks.example.com/omniflow'", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Webhooks:0:Url=ftp://hooks.example.com/x", "Webhooks:0:Url must be an absolute http or https URL")]
    [InlineData("Webhooks:0:Secret=", "Webhooks:0:Secret must be set")]
    [InlineData("Webhooks:0:Events=order.paid,order.lost", "Webhooks:0:Events names 'order.lost'")]
    [InlineData("Email:Smtp:Host=mail.example.com", "Email:From must be a mail address")]
    [InlineData("Sms:Events=order.sent", "Sms:Events names 'order.sent'")]
    [InlineData("RetryHorizon=00:00:00", "RetryHorizon must be positive")]
    public void Each_bad_setting_is_named(string setting, string problem)
    {
        var (key, value) = (setting[..setting.IndexOf('=')], setting[(setting.IndexOf('=') + 1)..]);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Notifications:Webhooks:0:Url"] = "https://hooks.example.com/omniflow",
            ["Notifications:Webhooks:0:Secret"] = "s",
            [$"Notifications:{key}"] = value,
        }).Build();

        Assert.Contains($"Notifications:{problem}", NotificationSettings.From(configuration).Problem(), StringComparison.Ordinal);
    }

    [Fact]
    public void Without_a_channel_nothing_is_on_and_every_event_is_the_default()
    {
        var none = NotificationSettings.From(new ConfigurationBuilder().Build());

        Assert.False(none.AnyChannel);
        Assert.Null(none.Problem());
        Assert.Equal(NotificationEvents.All, NotificationSettings.EventsOf(null));
        Assert.Equal([NotificationEvents.Paid, NotificationEvents.Shipped], NotificationSettings.EventsOf(" order.paid, order.shipped ,"));
    }
}
