using System.Buffers;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Json;
using OmniFlow.Api.Infrastructure;
using OmniFlow.Api.Orders;

namespace OmniFlow.Tests.Api;

/// <summary>
/// The sold-out shortcut's reader against the endpoint's JSON binding: what it reads, the binding reads the same; what it
/// declines, the binding is left to answer.
/// </summary>
public sealed class PlainOrderBodyTests
{
    public static readonly TheoryData<string> PlainBodies =
    [
        """{"user_id":"wrk","items":["SOLDOUT-1"],"amount":100}""",
        """{"user_id": "u-42", "items": ["A", {"sku": "B", "quantity": 2}], "amount": 300.00}""",
        """{"items":[{"quantity":3,"sku":"A"}]}""",
        """{"items":[{"sku":"A"}],"user_id":null,"amount":null}""",
        """{"amount":1e2,"items":["A","A"],"user_id":"Zoë \u00e9"}""",
        """{"user_id":"","items":[],"amount":-1.005}""",
        """{"user_id":"a\nb","items":[{"sku":"bad sku!","quantity":0}]}""",
        "\n{ \"items\" : [ \"A\" ] }\n",
    ];

    public static readonly TheoryData<string> OtherBodies =
    [
        """{"USER_ID":"u","items":["A"]}""",
        """{"user\u005fid":"u","items":["A"]}""",
        """{"user_id":"u","user_id":"v","items":["A"]}""",
        """{"items":["A"],"items":["B"]}""",
        """{"items":[{"sku":"A","sku":"B"}]}""",
        """{"items":[{"sku":"A","Quantity":2}]}""",
        """{"items":["A"],"note":"gift"}""",
        """{"items":["A"],"amount":"100"}""",
        """{"items":["A",]}""",
        """{"items":["A"]} // a comment""",
        """{"items":["A"]}{}""",
        """{"items":[null]}""",
        """{"items":[1]}""",
        """{"items":[{"sku":"A","quantity":1.5}]}""",
        """{"items":[{"sku":"A","quantity":3000000000}]}""",
        """{"items":"A"}""",
        """{"items":null}""",
        """{"user_id":1,"items":["A"]}""",
        """{"user_id":"u"}""",
        """["A"]""",
        """{"items":["A"]""",
        "",
        "not json",
    ];

    private static readonly JsonSerializerOptions EndpointJson = CreateEndpointJson();

    [Theory]
    [MemberData(nameof(PlainBodies))]
    public void A_plain_body_is_read_as_the_endpoint_binds_it(string body)
    {
        Assert.True(PlainOrderBody.TryRead(new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(body)), out var read));
        AssertSameOrder(JsonSerializer.Deserialize<CreateOrderRequest>(body, EndpointJson)!, read!);
    }

    [Theory]
    [MemberData(nameof(OtherBodies))]
    public void Any_other_body_is_left_to_the_endpoint(string body)
    {
        Assert.False(PlainOrderBody.TryRead(new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(body)), out var read));
        Assert.Null(read);
    }

    [Fact]
    public void A_body_split_anywhere_across_buffers_reads_the_same()
    {
        var body = Encoding.UTF8.GetBytes("""{"user_id": "Zoë", "items": ["A", {"sku": "B", "quantity": 12}], "amount": 1300.5}""");
        var expected = JsonSerializer.Deserialize<CreateOrderRequest>(body, EndpointJson)!;
        for (var split = 1; split < body.Length; split++)
        {
            Assert.True(PlainOrderBody.TryRead(TwoSegments(body, split), out var read), $"split at {split}");
            AssertSameOrder(expected, read!);
        }
    }

    [Fact]
    public void A_string_that_is_not_UTF8_is_left_to_the_endpoint()
    {
        byte[] body = [.. "{\"user_id\":\""u8, 0xC3, 0x28, .. "\",\"items\":[\"A\"]}"u8];
        Assert.False(PlainOrderBody.TryRead(new ReadOnlySequence<byte>(body), out _));
        Assert.ThrowsAny<JsonException>(() => JsonSerializer.Deserialize<CreateOrderRequest>(body, EndpointJson));
    }

    [Fact]
    public void Whatever_it_reads_among_many_generated_bodies_the_endpoint_binds_the_same()
    {
        // Bodies built from the order's own names, near misses and wrong types, in any order, with repeats; seeded, so
        // every run checks the same bodies.
        var random = new Random(14);
        string[] names = ["user_id", "items", "amount", "USER_ID", "Items", "note", "user\\u005fid"];
        string[] values = ["\"u-1\"", "null", "\"\"", "\"Zo\\u00eb\"", "1", "100", "100.00", "1e2", "-5", "\"100\"", "true", "[]", "{}"];
        string[] items = ["\"A\"", "\"B\"", "{\"sku\":\"A\",\"quantity\":2}", "{\"quantity\":3,\"sku\":\"B\"}", "{\"sku\":\"A\"}",
            "{\"sku\":\"A\",\"quantity\":1.5}", "{\"SKU\":\"A\"}", "null", "1", "\"\""];
        var read = 0;
        for (var i = 0; i < 20_000; i++)
        {
            var members = Enumerable.Range(0, random.Next(0, 5)).Select(_ =>
            {
                // Mostly the order's own names with values of their own kind; the rest anything.
                var name = random.Next(5) > 0 ? names[random.Next(3)] : names[random.Next(names.Length)];
                var value = (name, random.Next(5) > 0) switch
                {
                    ("items" or "Items", true) =>
                        "[" + string.Join(",", Enumerable.Range(0, random.Next(0, 4)).Select(_ => items[random.Next(items.Length)])) + "]",
                    ("user_id", true) => values[random.Next(4)],
                    ("amount", true) => values[1 + random.Next(8)],
                    _ => values[random.Next(values.Length)],
                };
                return $"\"{name}\"{(random.Next(2) == 0 ? ":" : " : ")}{value}";
            });
            var body = "{" + string.Join(",", members) + "}";
            if (!PlainOrderBody.TryRead(new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(body)), out var plain))
            {
                continue;
            }

            read++;
            AssertSameOrder(JsonSerializer.Deserialize<CreateOrderRequest>(body, EndpointJson)!, plain!);
        }

        Assert.InRange(read, 500, 19_000);
    }

    private static void AssertSameOrder(CreateOrderRequest expected, CreateOrderRequest actual)
    {
        Assert.Equal(expected.UserId, actual.UserId);
        Assert.Equal(expected.Amount, actual.Amount);
        Assert.Equal(expected.Items, actual.Items);
    }

    private static JsonSerializerOptions CreateEndpointJson()
    {
        var options = new JsonOptions().SerializerOptions;
        ApiJson.Configure(options);
        return options;
    }

    private static ReadOnlySequence<byte> TwoSegments(byte[] body, int split)
    {
        var first = new Segment(body.AsMemory(0, split), 0);
        var second = new Segment(body.AsMemory(split), split);
        first.SetNext(second);
        return new ReadOnlySequence<byte>(first, 0, second, second.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public void SetNext(Segment next) => Next = next;
    }
}
