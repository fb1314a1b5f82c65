using System.Text.Json;

namespace OmniFlow.Api.Infrastructure;

/// <summary>A JSON field the Api's own converters reject, with a message written for the client (answered 400 as it is).</summary>
public sealed class ContractJsonException(string message) : JsonException(message);
