using Google.Protobuf;
using OmniFlow.TemporalServer.Visibility;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Common;

namespace OmniFlow.Tests.TemporalServer.Visibility;

public sealed class SearchAttributeValuesTests
{
    private static readonly DateTimeOffset When = new(2024, 3, 1, 10, 30, 15, 123, TimeSpan.FromHours(2));

    private static SearchAttributes Sdk(Action<SearchAttributeCollection.Builder> build)
    {
        var builder = new SearchAttributeCollection.Builder();
        build(builder);
        return builder.ToSearchAttributeCollection().ToProto();
    }

    private static Payload Json(string json, string? type = null)
    {
        var payload = new Payload { Data = ByteString.CopyFromUtf8(json) };
        payload.Metadata["encoding"] = ByteString.CopyFromUtf8("json/plain");
        if (type is not null)
        {
            payload.Metadata["type"] = ByteString.CopyFromUtf8(type);
        }
        return payload;
    }

    private static IReadOnlyDictionary<string, object?> Decode(string name, Payload payload) =>
        SearchAttributeValues.Decode(new SearchAttributes { IndexedFields = { [name] = payload } }, TestAttributes.Registry());

    [Fact]
    public void Decodes_every_type_as_the_sdk_encodes_it()
    {
        var attributes = Sdk(b => b
            .Set(SearchAttributeKey.CreateKeyword("CustomKeywordField"), "alpha")
            .Set(SearchAttributeKey.CreateText("CustomTextField"), "some words")
            .Set(SearchAttributeKey.CreateLong("CustomIntField"), long.MaxValue)
            .Set(SearchAttributeKey.CreateDouble("CustomDoubleField"), 2.75)
            .Set(SearchAttributeKey.CreateBool("CustomBoolField"), true)
            .Set(SearchAttributeKey.CreateDateTimeOffset("CustomDatetimeField"), When)
            .Set(SearchAttributeKey.CreateKeywordList("CustomKeywordListField"), ["red", "green"])
            .Set(SearchAttributeKey.CreateKeywordList("TemporalChangeVersion"), ["patch-1"]));

        var values = SearchAttributeValues.Decode(attributes, TestAttributes.Registry());

        Assert.Equal("alpha", values["CustomKeywordField"]);
        Assert.Equal("some words", values["CustomTextField"]);
        Assert.Equal(long.MaxValue, values["CustomIntField"]);
        Assert.Equal(2.75, values["CustomDoubleField"]);
        Assert.Equal(true, values["CustomBoolField"]);
        Assert.Equal(When, Assert.IsType<DateTimeOffset>(values["CustomDatetimeField"]));
        Assert.Equal(TimeSpan.Zero, ((DateTimeOffset)values["CustomDatetimeField"]!).Offset);
        Assert.Equal(["red", "green"], Assert.IsAssignableFrom<IReadOnlyList<string>>(values["CustomKeywordListField"]));
        Assert.Equal(["patch-1"], Assert.IsAssignableFrom<IReadOnlyList<string>>(values["TemporalChangeVersion"]));
        Assert.Equal(8, values.Count);
    }

    [Fact]
    public void Decoded_values_are_queryable()
    {
        var registry = TestAttributes.Registry();
        var values = SearchAttributeValues.Decode(Sdk(b => b
            .Set(SearchAttributeKey.CreateLong("CustomIntField"), 7)
            .Set(SearchAttributeKey.CreateDateTimeOffset("CustomDatetimeField"), When)
            .Set(SearchAttributeKey.CreateKeywordList("CustomKeywordListField"), ["x", "y"])), registry);
        var run = new TestRun(values.Append(KeyValuePair.Create<string, object?>("RunId", "r")).ToDictionary());

        var query = VisibilityQuery.Parse(
            "CustomIntField = 7 AND CustomDatetimeField = '2024-03-01T08:30:15.123Z' AND CustomKeywordListField = 'y'", registry);

        Assert.True(query.Matches(run));
    }

    [Theory]
    [InlineData("binary/null", "")]
    [InlineData("json/plain", "")]
    [InlineData("json/plain", "null")]
    public void Null_and_empty_payloads_mean_unset(string encoding, string data)
    {
        var payload = new Payload { Data = ByteString.CopyFromUtf8(data) };
        payload.Metadata["encoding"] = ByteString.CopyFromUtf8(encoding);
        var values = Decode("CustomKeywordField", payload);
        Assert.True(values.ContainsKey("CustomKeywordField"));
        Assert.Null(values["CustomKeywordField"]);
    }

    [Theory]
    [InlineData("CustomIntField", "[42]", 42L)]
    [InlineData("CustomKeywordField", "[\"solo\"]", "solo")]
    [InlineData("CustomBoolField", "false", false)]
    [InlineData("CustomDoubleField", "3", 3.0)]
    public void Untyped_and_single_element_array_payloads_decode(string name, string json, object expected) =>
        Assert.Equal(expected, Decode(name, Json(json))[name]);

    [Fact]
    public void Keyword_list_accepts_a_single_string() =>
        Assert.Equal(["only"], Assert.IsAssignableFrom<IReadOnlyList<string>>(Decode("CustomKeywordListField", Json("\"only\""))["CustomKeywordListField"]));

    [Fact]
    public void Datetime_with_nanoseconds_decodes() =>
        Assert.Equal(new DateTimeOffset(2024, 3, 1, 8, 30, 15, TimeSpan.Zero).AddTicks(1234567),
            Decode("CustomDatetimeField", Json("\"2024-03-01T08:30:15.123456789Z\""))["CustomDatetimeField"]);

    [Theory]
    [InlineData("Nope", "\"x\"", null, "Namespace default has no mapping defined for search attribute Nope")]
    [InlineData("WorkflowId", "\"x\"", null, "search attribute WorkflowId is a system attribute and cannot be set")]
    [InlineData("CustomKeywordField", "\"x\"", "Int", "search attribute CustomKeywordField is of type Keyword, not Int")]
    [InlineData("CustomIntField", "\"5\"", null, "invalid value \"5\" for search attribute CustomIntField of type Int")]
    [InlineData("CustomIntField", "1.5", null, "invalid value 1.5 for search attribute CustomIntField of type Int")]
    [InlineData("CustomBoolField", "1", null, "of type Bool")]
    [InlineData("CustomDatetimeField", "\"tomorrow\"", null, "of type Datetime")]
    [InlineData("CustomKeywordField", "[\"a\", \"b\"]", null, "of type Keyword")]
    [InlineData("CustomKeywordListField", "[\"a\", 1]", null, "of type KeywordList")]
    [InlineData("CustomKeywordField", "{oops", null, "invalid JSON value for search attribute CustomKeywordField")]
    public void Unknown_attributes_and_mismatched_values_are_rejected(string name, string json, string? type, string message)
    {
        var error = Assert.Throws<VisibilityQueryException>(() => Decode(name, Json(json, type)));
        Assert.Contains(message, error.Message);
        Assert.IsAssignableFrom<ArgumentException>(error);
    }

    [Fact]
    public void Unsupported_encoding_is_rejected()
    {
        var payload = new Payload { Data = ByteString.CopyFromUtf8("x") };
        payload.Metadata["encoding"] = ByteString.CopyFromUtf8("binary/plain");
        Assert.Contains("unsupported payload encoding 'binary/plain'",
            Assert.Throws<VisibilityQueryException>(() => Decode("CustomKeywordField", payload)).Message);
    }

    [Fact]
    public void Null_attributes_decode_to_nothing() =>
        Assert.Empty(SearchAttributeValues.Decode(null, TestAttributes.Registry()));

    [Fact]
    public void Encoded_values_read_back_through_the_sdk()
    {
        var proto = new SearchAttributes
        {
            IndexedFields =
            {
                ["K"] = SearchAttributeValues.Encode("alpha", IndexedValueType.Keyword),
                ["T"] = SearchAttributeValues.Encode("some text", IndexedValueType.Text),
                ["I"] = SearchAttributeValues.Encode(42, IndexedValueType.Int),
                ["D"] = SearchAttributeValues.Encode(2.5, IndexedValueType.Double),
                ["B"] = SearchAttributeValues.Encode(true, IndexedValueType.Bool),
                ["W"] = SearchAttributeValues.Encode(When, IndexedValueType.Datetime),
                ["L"] = SearchAttributeValues.Encode(new[] { "a", "b" }, IndexedValueType.KeywordList),
            },
        };

        var sdk = SearchAttributeCollection.FromProto(proto);

        Assert.Equal("alpha", sdk.Get(SearchAttributeKey.CreateKeyword("K")));
        Assert.Equal("some text", sdk.Get(SearchAttributeKey.CreateText("T")));
        Assert.Equal(42L, sdk.Get(SearchAttributeKey.CreateLong("I")));
        Assert.Equal(2.5, sdk.Get(SearchAttributeKey.CreateDouble("D")));
        Assert.True(sdk.Get(SearchAttributeKey.CreateBool("B")));
        Assert.Equal(When, sdk.Get(SearchAttributeKey.CreateDateTimeOffset("W")));
        Assert.Equal(["a", "b"], sdk.Get(SearchAttributeKey.CreateKeywordList("L")));
    }

    [Fact]
    public void Encoded_null_decodes_as_unset()
    {
        Assert.Equal("binary/null", SearchAttributeValues.Encode(null, IndexedValueType.Keyword).Metadata["encoding"].ToStringUtf8());
        Assert.Null(Decode("CustomKeywordField", SearchAttributeValues.Encode(null, IndexedValueType.Keyword))["CustomKeywordField"]);
    }

    [Fact]
    public void Encode_then_decode_round_trips_each_type()
    {
        var registry = TestAttributes.Registry();
        var samples = new Dictionary<string, (object Value, IndexedValueType Type)>
        {
            ["CustomKeywordField"] = ("alpha", IndexedValueType.Keyword),
            ["CustomIntField"] = (-3L, IndexedValueType.Int),
            ["CustomDoubleField"] = (0.125, IndexedValueType.Double),
            ["CustomBoolField"] = (false, IndexedValueType.Bool),
            ["CustomDatetimeField"] = (When.ToUniversalTime(), IndexedValueType.Datetime),
        };
        var proto = new SearchAttributes();
        foreach (var (name, (value, type)) in samples)
        {
            proto.IndexedFields[name] = SearchAttributeValues.Encode(value, type);
        }

        var decoded = SearchAttributeValues.Decode(proto, registry);

        foreach (var (name, (value, _)) in samples)
        {
            Assert.Equal(value, decoded[name]);
        }
    }
}
