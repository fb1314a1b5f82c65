using Microsoft.OpenApi;

namespace OmniFlow.Api.OpenApi;

/// <summary>
/// The OpenAPI document at <c>/openapi/v1.json</c>, built from the endpoints' metadata: their answers
/// (<see cref="Infrastructure.ProblemAnswers"/>), the security each requires and examples in the wire format.
/// </summary>
public static class ContractDocument
{
    public const string Name = "v1";

    public static IServiceCollection AddContractDocument(this IServiceCollection services) =>
        services.AddOpenApi(Name, options =>
        {
            options.AddDocumentTransformer((document, _, _) =>
            {
                document.Info = new OpenApiInfo
                {
                    Title = "OmniFlow API",
                    Version = Name,
                    Description = "Flash-sale orders: admission, payment, audit, and the admin's products, reconciliations and notifications. " +
                        "Errors are RFC 7807 problem details. Money has two decimal places; moments are UTC with milliseconds (2025-06-01T12:30:00.123Z).",
                };
                return Task.CompletedTask;
            });
            options.AddDocumentTransformer<SecuritySchemes>();
            options.AddOperationTransformer<SecuritySchemes>();
            options.AddOperationTransformer<AnswerDescriptions>();
            options.AddOperationTransformer<ContractExamples>();
            options.AddSchemaTransformer<WireFormatSchemas>();
            options.AddSchemaTransformer<RequestSchemas>();
        });
}
