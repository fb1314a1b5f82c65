using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace OmniFlow.Api.Infrastructure;

/// <summary>RFC 7807 answers with <c>type</c>, <c>title</c>, <c>status</c> and <c>detail</c> always set.</summary>
public static class ApiProblems
{
    public const string NotJson = "The request body must be JSON, sent with Content-Type: application/json.";

    public static ProblemHttpResult Create(int status, string title, string detail, string? error = null) =>
        TypedResults.Problem(Details(status, title, detail, error));

    public static ProblemDetails Details(int status, string title, string detail, string? error = null)
    {
        var problem = new ProblemDetails { Type = TypeFor(status), Title = title, Status = status, Detail = detail };
        if (error is not null)
        {
            problem.Extensions["error"] = error;
        }

        return problem;
    }

    public static ValidationProblem Invalid(IDictionary<string, string[]> errors) =>
        TypedResults.ValidationProblem(errors, detail: "The request has invalid fields; see errors.", type: TypeFor(StatusCodes.Status400BadRequest),
            title: "One or more validation errors occurred.");

    public static ProblemHttpResult NotFound(string detail) => Create(StatusCodes.Status404NotFound, "Not Found", detail);

    public static ProblemHttpResult Conflict(string detail) => Create(StatusCodes.Status409Conflict, "Conflict", detail);

    public static ProblemHttpResult Unavailable(string detail) => Create(StatusCodes.Status503ServiceUnavailable, "Service Unavailable", detail);

    /// <summary>The detail of an answer the framework writes by itself.</summary>
    public static string DetailFor(int status) => status switch
    {
        StatusCodes.Status413PayloadTooLarge => RequestBodyLimit.TooLarge,
        StatusCodes.Status415UnsupportedMediaType => NotJson,
        _ => Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status),
    };

    public static string TypeFor(int status) => status switch
    {
        400 => "https://tools.ietf.org/html/rfc9110#section-15.5.1",
        401 => "https://tools.ietf.org/html/rfc9110#section-15.5.2",
        403 => "https://tools.ietf.org/html/rfc9110#section-15.5.4",
        404 => "https://tools.ietf.org/html/rfc9110#section-15.5.5",
        405 => "https://tools.ietf.org/html/rfc9110#section-15.5.6",
        408 => "https://tools.ietf.org/html/rfc9110#section-15.5.9",
        409 => "https://tools.ietf.org/html/rfc9110#section-15.5.10",
        413 => "https://tools.ietf.org/html/rfc9110#section-15.5.14",
        415 => "https://tools.ietf.org/html/rfc9110#section-15.5.16",
        422 => "https://tools.ietf.org/html/rfc9110#section-15.5.21",
        429 => "https://tools.ietf.org/html/rfc6585#section-4",
        503 => "https://tools.ietf.org/html/rfc9110#section-15.6.4",
        _ when status >= 500 => "https://tools.ietf.org/html/rfc9110#section-15.6.1",
        _ => "https://tools.ietf.org/html/rfc9110#section-15.5",
    };
}
