using System.Collections.Concurrent;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using OmniFlow.Api.Infrastructure;
using OmniFlow.Fulfillment.Admission;

namespace OmniFlow.Api.Orders;

/// <summary>
/// The 429 answers of the flash sale ("sold out", "user limit reached"), one serialized answer per sku and reason:
/// after a sale sells out, nearly every request gets one of these.
/// </summary>
public sealed class AdmissionRejections(IOptions<JsonOptions> json)
{
    private readonly ConcurrentDictionary<(AdmissionOutcome Outcome, string Sku), CachedProblem> answers = new();

    public CachedProblem For(AdmissionOutcome outcome, string sku) =>
        answers.GetOrAdd((outcome, sku), static (key, options) => new CachedProblem(Describe(key.Outcome, key.Sku), options), json.Value.SerializerOptions);

    public static Microsoft.AspNetCore.Mvc.ProblemDetails Describe(AdmissionOutcome outcome, string sku) => outcome switch
    {
        AdmissionOutcome.SoldOut => ApiProblems.Details(StatusCodes.Status429TooManyRequests, "Too Many Requests", $"'{sku}' is sold out.", "sold out"),
        AdmissionOutcome.UserLimitReached => ApiProblems.Details(StatusCodes.Status429TooManyRequests, "Too Many Requests",
            $"The purchase limit for '{sku}' has been reached for this user.", "user limit reached"),
        _ => throw new ArgumentOutOfRangeException(nameof(outcome), outcome, "Only sold-out and user-limit rejections are cached."),
    };
}
