using System.Net;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using OmniFlow.AppHost.Local;
using OmniFlow.Tests.AppHost;
using OmniFlow.Tests.Infrastructure;
using OmniFlow.Tests.Notifications;

namespace OmniFlow.Tests.WholeSystem;

/// <summary>
/// The system with this machine's redis-server and mariadbd (local binaries) and OmniFlow.TemporalServer; every order
/// notifies a real webhook listener (<see cref="Webhooks"/>, endpoint <c>sale</c>, signed with
/// <see cref="WebhookSecret"/>) and a real SMTP server (<see cref="Smtp"/>), and an unpaid order is reminded
/// <see cref="ReminderAfter"/> into its payment window.
/// </summary>
public sealed class LocalBinariesSystemFixture : IAsyncLifetime
{
    public static readonly TimeSpan PaymentTimeout = TimeSpan.FromSeconds(20);

    /// <summary>
    /// Late in the window: the sale test pays one order as soon as it awaits payment and expects no reminder for it, and
    /// with four test collections starting and stopping systems on two cores that payment once took more than 8 s.
    /// </summary>
    public static readonly TimeSpan ReminderAfter = TimeSpan.FromSeconds(15);

    public const string WebhookSecret = "system-notification-secret";
    public const string Operations = "ops@omniflow.test";

    public WebhookReceiver Webhooks { get; } = new();

    public SmtpSink Smtp { get; } = new();

    /// <summary>How long a payment waits for a worker before its 503 (the tests kill the worker).</summary>
    public static readonly TimeSpan UpdateTimeout = TimeSpan.FromSeconds(3);

    /// <summary>The stock movements run on inventory workers of their own, in replicas (the tests kill one).</summary>
    public const int InventoryWorkers = 2;

    public OmniFlowSystem? System { get; private set; }

    public string? UnavailableReason { get; private set; }

    public async ValueTask InitializeAsync()
    {
        UnavailableReason = RequiredServices.FindBinary("redis-server") is null ? "redis-server is not installed"
            : RequiredServices.FindBinary("mariadbd") is null ? "mariadbd is not installed" : null;
        if (UnavailableReason is null)
        {
            await Webhooks.StartAsync();
            Smtp.Start();
            System = await OmniFlowSystem.StartAsync(
            [
                $"--Orders:PaymentTimeout={PaymentTimeout}", $"--Orders:UpdateTimeout={UpdateTimeout}", $"--AppHost:InventoryWorkers={InventoryWorkers}",
                $"--Notifications:Webhooks:0:Url={Webhooks.BaseUrl}/sale", $"--Notifications:Webhooks:0:Secret={WebhookSecret}",
                "--Notifications:Email:Smtp:Host=127.0.0.1", $"--Notifications:Email:Smtp:Port={Smtp.Port}", "--Notifications:Email:Smtp:Security=None",
                "--Notifications:Email:From=shop@omniflow.test", $"--Notifications:Email:To={Operations}",
                $"--Notifications:PaymentReminderBefore={PaymentTimeout - ReminderAfter}", "--Notifications:MaximumRetryInterval=00:00:01",
            ],
                CancellationToken.None);
        }
    }

    public OmniFlowSystem Available
    {
        get
        {
            if (UnavailableReason is not null)
            {
                RequiredServices.Unavailable(UnavailableReason);
            }

            return System!;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (System is not null)
        {
            await System.DisposeAsync();
        }

        await Webhooks.DisposeAsync();
        await Smtp.DisposeAsync();
    }
}

/// <summary>Real flows over HTTP against every process the AppHost starts, with resource commands as the dashboard sends them.</summary>
[Collection(WholeSystemCollection.Name)]
public sealed class OrderFlowTests(LocalBinariesSystemFixture fixture) : IClassFixture<LocalBinariesSystemFixture>
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Redis_and_MariaDB_run_as_local_binaries_and_every_resource_is_healthy()
    {
        var system = fixture.Available;

        Assert.Equal(ServiceMode.LocalBinary, system.ModeOf("redis")?.Mode);
        Assert.Equal(ServiceMode.LocalBinary, system.ModeOf("mysql")?.Mode);
        Assert.Equal(ServiceMode.LocalBinary, system.ModeOf("omniflowdb")?.Mode);
        Assert.Contains(Path.Combine(system.DataDirectory, "mariadb", "data"), system.ModeOf("mysql")!.Description);
        var replicas = await system.ReplicasOfAsync("inventory-worker", LocalBinariesSystemFixture.InventoryWorkers, Cancellation);
        foreach (var name in (string[])["redis", "mysql", "omniflowdb", "temporal", "worker", .. replicas, "api"])
        {
            // Another test of this class may have just restarted a worker: healthy again within a minute. (Polled: a
            // replica's state is keyed by its DCP name, which the resource-name waits do not match.)
            await ProcessProbe.WaitUntilAsync(() => IsRunningAndHealthy(system.CurrentState(name).Snapshot), TimeSpan.FromSeconds(60),
                $"{name} is running and healthy ({Describe(system.CurrentState(name).Snapshot)})");
            var snapshot = system.CurrentState(name).Snapshot;
            Assert.Equal(KnownResourceStates.Running, snapshot.State?.Text);
            Assert.All(snapshot.HealthReports, report => Assert.Equal(Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy, report.Status));
        }

        using var health = await system.CreateHttpClient("api").GetAsync("/health", Cancellation);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    private static bool IsRunningAndHealthy(CustomResourceSnapshot snapshot) =>
        snapshot.State?.Text == KnownResourceStates.Running
        && snapshot.HealthReports.All(report => report.Status == Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy);

    private static string Describe(CustomResourceSnapshot snapshot) =>
        $"{snapshot.State?.Text} health=[{string.Join(", ", snapshot.HealthReports.Select(report => $"{report.Name}={report.Status}"))}]";

    [Fact]
    public Task An_order_that_is_paid_completes() => new OrderApi(fixture.Available.CreateHttpClient("api")).OrderAndPayAsync();

    /// <summary>
    /// A small sale through the AppHost, its orders side by side: one paid (shipped, completed), one left unpaid
    /// (reminded, cancelled, its stock back), one rejected by the audit (failed) and then paid late (refunded). Every
    /// event of each arrives once, in order, as a webhook signed with the configured secret, and as mail to the
    /// operations address and the buyer.
    /// </summary>
    [Fact]
    public async Task A_sale_delivers_every_order_event_as_a_signed_webhook_and_as_mail_and_an_unpaid_order_is_cancelled_with_its_stock_back()
    {
        var orders = new OrderApi(fixture.Available.CreateHttpClient("api"));
        var sku = await orders.StockAsync(3);
        var audited = await orders.StockAsync(1, price: 20_000m);
        var buyers = Enumerable.Range(0, 3).Select(i => $"buyer{i}-{Guid.NewGuid():N}@omniflow.test").ToList();
        var paid = await orders.PlaceOrderAsync(sku, buyers[0]);
        var unpaid = await orders.PlaceOrderAsync(sku, buyers[1]);
        var rejected = await orders.PlaceOrderAsync(audited, buyers[2], amount: 20_000m);

        await orders.WaitForStatusAsync(paid, "PENDING_PAYMENT", TimeSpan.FromSeconds(30));
        await orders.PayAsync(paid);
        await orders.WaitForStatusAsync(unpaid, "PENDING_PAYMENT", TimeSpan.FromSeconds(30));
        Assert.Equal(1, (await orders.ProductAsync(sku)).GetProperty("stock").GetInt32());
        await orders.WaitForStatusAsync(rejected, "AWAITING_AUDIT", TimeSpan.FromSeconds(30));
        await orders.AuditAsync(rejected, approved: false, "too large");
        await orders.WaitForStatusAsync(rejected, "FAILED", TimeSpan.FromSeconds(30));
        var latePayment = $"pay-{Guid.NewGuid():N}";
        var (late, body) = await orders.SendPaymentAsync(rejected, latePayment, 20_000m);
        Assert.True(late == HttpStatusCode.Conflict, $"a payment of the failed order answered {(int)late}: {body}");
        await orders.WaitForStatusAsync(paid, "COMPLETED", TimeSpan.FromSeconds(60));
        await orders.WaitForStatusAsync(unpaid, "CANCELLED", LocalBinariesSystemFixture.PaymentTimeout + TimeSpan.FromSeconds(45));
        await orders.WaitForStockAsync(sku, expected: 2);
        await orders.WaitForStockAsync(audited, expected: 1);

        var expected = new Dictionary<string, (string Buyer, string[] Events)>
        {
            [paid] = (buyers[0], ["order.admitted", "order.awaiting_payment", "order.paid", "order.shipped/SH", "order.completed"]),
            [unpaid] = (buyers[1], ["order.admitted", "order.awaiting_payment", "order.payment_reminder", "order.cancelled"]),
            [rejected] = (buyers[2], ["order.admitted", "order.failed", $"payment.refunded/{latePayment}"]),
        };
        var everyEvent = expected.SelectMany(order => order.Value.Events.Select(e => $"{order.Key}/{e}")).ToList();
        await ProcessProbe.WaitUntilAsync(
            () => everyEvent.All(id => fixture.Webhooks.Received("sale").Any(hook => hook.EventId == id) && fixture.Smtp.Messages.Any(mail => EventIdOf(mail) == id)),
            TimeSpan.FromSeconds(30),
            "every event arrived as a webhook and as mail");

        foreach (var (order, (buyer, events)) in expected)
        {
            var hooks = fixture.Webhooks.Received("sale").Where(hook => hook.EventId!.StartsWith($"{order}/", StringComparison.Ordinal)).ToList();
            Assert.Equal(events.Select(e => $"{order}/{e}"), hooks.Select(hook => hook.EventId));
            Assert.All(hooks, hook => Assert.True(hook.IsSignedWith(LocalBinariesSystemFixture.WebhookSecret), $"{hook.EventId} is signed with the secret"));
            Assert.All(hooks, hook => Assert.Equal(hook.EventId, System.Text.Json.JsonDocument.Parse(hook.Body).RootElement.GetProperty("id").GetString()));
            var mails = fixture.Smtp.Messages.Where(mail => EventIdOf(mail)?.StartsWith($"{order}/", StringComparison.Ordinal) == true).ToList();
            Assert.Equal(events.Select(e => $"{order}/{e}"), mails.Select(EventIdOf));
            Assert.All(mails, mail => Assert.Equal([LocalBinariesSystemFixture.Operations, buyer], mail.To.Mailboxes.Select(to => to.Address)));
        }
    }

    private static string? EventIdOf(MimeKit.MimeMessage mail) => mail.Headers[Fulfillment.Notifications.WebhookChannel.EventIdHeader];

    [Fact]
    public async Task An_order_survives_its_worker_being_killed_and_restarted_by_the_restart_command()
    {
        var system = fixture.Available;
        var orders = new OrderApi(system.CreateHttpClient("api"));
        var sku = await orders.StockAsync(2);
        var worker = system.ApplicationProcessId("worker");

        // Admitted and its workflow started, and the worker dies at once: mid-order.
        var order = await orders.PlaceOrderAsync(sku);
        ProcessProbe.Kill(worker);
        await system.Application.ResourceNotifications.WaitForResourceAsync("worker", KnownResourceStates.TerminalStates, Cancellation)
            .WaitAsync(TimeSpan.FromSeconds(30), Cancellation);

        var restart = await system.Application.ResourceCommands.ExecuteCommandAsync("worker", KnownResourceCommands.RestartCommand, Cancellation);
        Assert.True(restart.Success, restart.Message);
        await system.Application.ResourceNotifications.WaitForResourceHealthyAsync("worker", Cancellation).WaitAsync(TimeSpan.FromSeconds(90), Cancellation);
        Assert.NotEqual(worker, system.ApplicationProcessId("worker"));

        await orders.WaitForStatusAsync(order, "PENDING_PAYMENT", TimeSpan.FromSeconds(60));
        await orders.PayAsync(order);
        await orders.WaitForStatusAsync(order, "COMPLETED", TimeSpan.FromSeconds(60));
        await orders.WaitForStockAsync(sku, expected: 1);
    }

    [Fact]
    public async Task A_payment_that_reached_the_server_before_the_deadline_is_kept_while_the_worker_was_dead()
    {
        var system = fixture.Available;
        var orders = new OrderApi(system.CreateHttpClient("api"));
        var sku = await orders.StockAsync(2);
        var paid = await orders.PlaceOrderAsync(sku);
        var unpaid = await orders.PlaceOrderAsync(sku);
        await orders.WaitForStatusAsync(paid, "PENDING_PAYMENT", TimeSpan.FromSeconds(30));
        await orders.WaitForStatusAsync(unpaid, "PENDING_PAYMENT", TimeSpan.FromSeconds(30));
        var deadline = await orders.PaymentDeadlineAsync(unpaid);

        ProcessProbe.Kill(system.ApplicationProcessId("worker"));
        await system.Application.ResourceNotifications.WaitForResourceAsync("worker", KnownResourceStates.TerminalStates, Cancellation)
            .WaitAsync(TimeSpan.FromSeconds(30), Cancellation);

        // No worker answers: the Api says 503 after its bounded wait, but the payment has reached the server in time.
        var paymentId = $"pay-{Guid.NewGuid():N}";
        var (first, body) = await orders.SendPaymentAsync(paid, paymentId);
        Assert.True(first is HttpStatusCode.ServiceUnavailable or HttpStatusCode.OK, $"pay answered {(int)first}: {body}");

        // The worker comes back after both deadlines: the timer and the payment reach the workflow together.
        await Task.Delay(deadline - DateTimeOffset.UtcNow + TimeSpan.FromSeconds(1), Cancellation);
        var restart = await system.Application.ResourceCommands.ExecuteCommandAsync("worker", KnownResourceCommands.RestartCommand, Cancellation);
        Assert.True(restart.Success, restart.Message);

        await orders.WaitForStatusAsync(paid, "COMPLETED", TimeSpan.FromSeconds(60));
        await orders.WaitForStatusAsync(unpaid, "CANCELLED", TimeSpan.FromSeconds(60));
        var (retried, retriedBody) = await orders.SendPaymentAsync(paid, paymentId);
        Assert.True(retried == HttpStatusCode.OK, $"the provider's retry answered {(int)retried}: {retriedBody}");
        await orders.WaitForStockAsync(sku, expected: 1);
    }

    [Fact]
    public async Task An_inventory_worker_killed_mid_sale_leaves_its_work_to_the_other_and_no_unit_is_lost_or_doubled()
    {
        var system = fixture.Available;
        var orders = new OrderApi(system.CreateHttpClient("api"));
        const int units = 30;
        var sku = await orders.StockAsync(units);
        var replicas = await system.ReplicasOfAsync("inventory-worker", LocalBinariesSystemFixture.InventoryWorkers, Cancellation);
        Assert.Equal(LocalBinariesSystemFixture.InventoryWorkers, replicas.Count);

        // Each order is paid as soon as it is admitted (a payment is taken while the stock is being reserved).
        var placed = new List<string>();
        for (var batch = 0; batch < 3; batch++)
        {
            placed.AddRange(await Task.WhenAll(Enumerable.Range(0, units / 3).Select(async _ =>
            {
                var order = await orders.PlaceOrderAsync(sku);
                await orders.PayAsync(order);
                return order;
            })));
            if (batch == 0)
            {
                ProcessProbe.Kill(system.ApplicationProcessId(replicas[0]));
            }
        }

        // Every order is reserved once (by the replica left, or by the killed one before it died) and the sku is sold out.
        await Task.WhenAll(placed.Select(order => orders.WaitForStatusAsync(order, "COMPLETED", TimeSpan.FromSeconds(60))));
        await orders.WaitForStockAsync(sku, expected: 0);
        var restart = await system.Application.ResourceCommands.ExecuteCommandAsync(replicas[0], KnownResourceCommands.RestartCommand, Cancellation);
        Assert.True(restart.Success, restart.Message);
    }
}
