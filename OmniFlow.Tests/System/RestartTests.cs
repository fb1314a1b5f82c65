namespace OmniFlow.Tests.WholeSystem;

/// <summary>
/// The embedded system stopped and started again on the same data directory: the order placed before the restart is
/// still waiting for its payment (OmniFlow.TemporalServer keeps its workflows in <c>.omniflow/omniflow-temporal.db</c>),
/// and paying it after the restart completes it.
/// </summary>
[Collection(WholeSystemCollection.Name)]
public sealed class RestartTests : IDisposable
{
    private static readonly string[] Embedded = ["--AppHost:UseLocalBinaries=false", "--Orders:PaymentTimeout=00:10:00"];

    private readonly string dataDirectory = Directory.CreateTempSubdirectory("omniflow-restart-").FullName;

    public void Dispose()
    {
        try
        {
            Directory.Delete(dataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A server that just exited may still be closing a file; the temp folder is swept later.
        }
    }

    [Fact]
    public async Task An_order_placed_before_a_restart_of_the_AppHost_is_paid_and_completed_after_it()
    {
        string sku;
        string order;
        await using (var system = await OmniFlowSystem.StartAsync(Embedded, TestContext.Current.CancellationToken, dataDirectory: dataDirectory))
        {
            var api = new OrderApi(system.CreateHttpClient("api"));
            sku = await api.StockAsync(5);
            order = await api.PlaceOrderAsync(sku);
            await api.WaitForStatusAsync(order, "PENDING_PAYMENT", TimeSpan.FromSeconds(60));
        }

        await using (var system = await OmniFlowSystem.StartAsync(Embedded, TestContext.Current.CancellationToken, dataDirectory: dataDirectory))
        {
            var api = new OrderApi(system.CreateHttpClient("api"));
            await api.WaitForStatusAsync(order, "PENDING_PAYMENT", TimeSpan.FromSeconds(30));
            await api.PayAsync(order);
            await api.WaitForStatusAsync(order, "COMPLETED", TimeSpan.FromSeconds(60));
            // The database's stock: reserved once, before the restart (the in-process gate starts empty again; that is the Api's).
            Assert.Equal(4, (await api.ProductAsync(sku)).GetProperty("stock").GetInt32());
        }
    }
}
