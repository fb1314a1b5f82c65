using Microsoft.AspNetCore.Mvc;

namespace OmniFlow.Api.Infrastructure;

/// <summary>
/// Declares a problem-details answer an endpoint gives, with what it means there: the OpenAPI document lists exactly
/// these (and the answers of the endpoint's typed results), and a test holds it to the endpoints' real answers.
/// </summary>
public static class ProblemAnswers
{
    public const string ContentType = "application/problem+json";

    public static TBuilder Answers<TBuilder>(this TBuilder builder, int status, string description)
        where TBuilder : IEndpointConventionBuilder =>
        builder.Answers(status, status == StatusCodes.Status400BadRequest ? typeof(HttpValidationProblemDetails) : typeof(ProblemDetails), description, ContentType);

    /// <summary>A success answer's meaning (its body type comes from the endpoint's typed result).</summary>
    public static TBuilder Answers<TBuilder>(this TBuilder builder, int status, Type body, string description, string contentType = "application/json")
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new ProducesResponseTypeMetadata(status, body, [contentType]) { Description = description });

    /// <summary>What a JSON body the framework binds can be answered before the endpoint runs.</summary>
    public static TBuilder AnswersForJsonBody<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder
            .Answers(StatusCodes.Status413PayloadTooLarge, RequestBodyLimit.TooLarge)
            .Answers(StatusCodes.Status415UnsupportedMediaType, ApiProblems.NotJson);
}
