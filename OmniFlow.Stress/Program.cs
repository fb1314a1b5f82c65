using OmniFlow.Stress;

if (args is ["inventory", ..])
{
    return await InventoryBench.RunAsync(args[1..]);
}

StressOptions options;
try
{
    options = StressOptions.Parse(args);
}
catch (FormatException exception)
{
    Console.Error.WriteLine($"error: {exception.Message}");
    Console.Error.WriteLine(StressOptions.Usage);
    return 2;
}

using var cancellation = new CancellationTokenSource();
Console.CancelKeyPress += (_, eventArgs) =>
{
    eventArgs.Cancel = true;
    cancellation.Cancel();
};

using var http = new HttpClient(LoadGenerator.CreateHandler(options.Concurrency))
{
    BaseAddress = options.Url,
    Timeout = TimeSpan.FromSeconds(30),
};
var store = new StoreClient(http, options.AdminKey);
OrderCounts ordersBefore;
try
{
    await store.PutProductAsync(options.Sku, options.Stock, options.Price, cancellation.Token);
    ordersBefore = await store.CountOrdersAsync(options.Sku, cancellation.Token);
}
catch (HttpRequestException exception)
{
    Console.Error.WriteLine($"error: could not stock {options.Sku} at {options.Url}: {exception.Message}");
    return 2;
}

Console.Error.WriteLine($"stocked {options.Sku} with {options.Stock}; firing {(options.Duration is { } duration ? $"for {duration.TotalSeconds:0} s" : $"{options.Requests} orders")} over {options.Concurrency} connections");
// Payments have their own connections: one waiting on its order's workflow must not hold an order request back.
using var paymentHttp = new HttpClient(LoadGenerator.CreateHandler(Payer.Workers)) { BaseAddress = options.Url, Timeout = TimeSpan.FromSeconds(30) };
var payer = options.PayShare > 0 ? new Payer(options, paymentHttp) : null;
var paying = payer?.RunAsync();
var load = await new LoadGenerator(options, http, payer).RunAsync(cancellation.Token);
var payments = payer is null ? null : await payer.FinishAsync(paying!);
var invariant = await new InvariantCheck(store).RunAsync(options.Sku, options.Stock, ordersBefore, load.Admitted, options.SettleTimeout, CancellationToken.None);
var paidOrders = payments is null ? null : await new PaymentCheck(store).RunAsync(payments.Accepted, options.SettleTimeout);
var report = new Report(options, load, invariant, payments, paidOrders);
Console.WriteLine(report.ToText());
if (options.Json)
{
    Console.WriteLine(report.ToJson());
}

return report.ExitCode;
