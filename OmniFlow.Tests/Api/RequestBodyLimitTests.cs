using System.Net;
using System.Net.Sockets;
using System.Text;

namespace OmniFlow.Tests.Api;

/// <summary>The order, product and pay endpoints read bodies the size of an order, and answer 413 above that.</summary>
[Collection(SystemCollection.Name)]
public sealed class RequestBodyLimitTests(OmniFlowSystem system)
{
    private const long TenMegabytes = 10 * 1024 * 1024;

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_ten_megabyte_order_is_413_and_changes_nothing(bool chunked)
    {
        var sku = ProductsApiTests.Sku();
        await system.PutProductAsync(sku, 5);

        using var response = await SendLargeAsync(HttpMethod.Post, "/api/v1/orders",
            $$"""{"user_id": "u-huge", "items": ["{{sku}}"], "amount": 100, "padding": " """, chunked);

        await Problems.AssertProblemAsync(response, HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal(5, (await system.GetProductAsync(sku)).GetProperty("gate_stock").GetInt32());
        await system.CreateOrderAsync($$"""{"user_id": "u-huge", "items": ["{{sku}}"]}""");
    }

    [Fact]
    public async Task A_ten_megabyte_product_is_413_and_stores_nothing()
    {
        var sku = ProductsApiTests.Sku();

        using var response = await SendLargeAsync(HttpMethod.Put, $"/api/v1/products/{sku}", """{"price": 1, "stock": 1, "name": " """, chunked: false,
            ("X-Api-Key", OmniFlowSystem.AdminKey));

        await Problems.AssertProblemAsync(response, HttpStatusCode.RequestEntityTooLarge);
        using var read = await system.Http.GetAsync($"/api/v1/products/{sku}", Cancellation);
        Assert.Equal(HttpStatusCode.NotFound, read.StatusCode);
    }

    [Fact]
    public async Task A_ten_megabyte_payment_is_413()
    {
        using var response = await SendLargeAsync(HttpMethod.Post, $"/api/v1/orders/ORDER-{Guid.NewGuid()}/pay", """{"payment_id": "pay-huge", "amount": 100, "padding": " """,
            chunked: false, ("X-Signature", "t=0,v1=00"));

        await Problems.AssertProblemAsync(response, HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public async Task The_largest_valid_order_fits_with_room_to_spare()
    {
        var skus = Enumerable.Range(0, 50).Select(_ => ProductsApiTests.Sku()).ToList();
        foreach (var sku in skus)
        {
            await system.PutProductAsync(sku, 1, price: 1m);
        }

        // Fifty lines, a 128-character user id, a 200-character key and generous pretty-printing: an order is not larger than this.
        var lines = skus.Select(sku => $$"""{{new string(' ', 40)}}{"sku": "{{sku}}", "quantity": 1}""");
        var body = $$"""{"user_id": "{{new string('u', 128)}}", "items": [{{string.Join(",\n", lines)}}], "amount": 50.00}""";
        Assert.InRange(Encoding.UTF8.GetByteCount(body), 4 * 1024, 8 * 1024);

        using var response = await system.PostJsonAsync("/api/v1/orders", body, ("Idempotency-Key", Guid.NewGuid().ToString().PadRight(200, 'k')));

        await Problems.JsonAsync(response, HttpStatusCode.OK);
    }

    /// <summary>
    /// Starts a ten-megabyte body (declared by Content-Length, or chunked) on a raw connection and sends its first 64 KB,
    /// as a client whose upload is under way, then reads the answer, which comes before the rest would be sent.
    /// </summary>
    private async Task<HttpResponseMessage> SendLargeAsync(HttpMethod method, string path, string start, bool chunked, params (string Name, string Value)[] headers)
    {
        var address = system.Http.BaseAddress!;
        using var client = new TcpClient();
        await client.ConnectAsync(address.Host, address.Port, Cancellation);
        var connection = client.GetStream();

        var head = new StringBuilder($"{method} {path} HTTP/1.1\r\nHost: {address.Authority}\r\nContent-Type: application/json\r\n");
        head.Append(chunked ? "Transfer-Encoding: chunked\r\n" : $"Content-Length: {TenMegabytes}\r\n");
        foreach (var (name, value) in headers)
        {
            head.Append($"{name}: {value}\r\n");
        }

        var body = Encoding.UTF8.GetBytes(start.PadRight(64 * 1024, 'x'));
        await connection.WriteAsync(Encoding.ASCII.GetBytes(head.Append("\r\n").ToString()), Cancellation);
        await connection.WriteAsync(chunked ? [.. Encoding.ASCII.GetBytes($"{body.Length:x}\r\n"), .. body, .. "\r\n"u8] : body, Cancellation);

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Cancellation);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        return await RawResponse.ReadAsync(connection, timeout.Token);
    }
}
