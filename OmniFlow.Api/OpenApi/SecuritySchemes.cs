using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using OmniFlow.Api.Security;

namespace OmniFlow.Api.OpenApi;

/// <summary>The admin key and the payment signature as security schemes, required by the operations that check them.</summary>
public sealed class SecuritySchemes : IOpenApiDocumentTransformer, IOpenApiOperationTransformer
{
    public const string AdminKeyScheme = "AdminKey";
    public const string PaymentSignatureScheme = "PaymentSignature";

    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        AddSchemes(document);
        return Task.CompletedTask;
    }

    public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        var scheme = metadata.OfType<IAuthorizeData>().Any(data => data.Policy == AdminKey.Policy) ? AdminKeyScheme
            : metadata.OfType<WebhookSignatureRequirement>().Any() ? PaymentSignatureScheme
            : null;
        if (scheme is not null && context.Document is { } document)
        {
            AddSchemes(document);
            operation.Security ??= [];
            operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(scheme, document)] = [] });
        }

        return Task.CompletedTask;
    }

    private static void AddSchemes(OpenApiDocument document)
    {
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[AdminKeyScheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.ApiKey,
            In = ParameterLocation.Header,
            Name = AdminKey.Header,
            Description = $"The admin key (Admin:ApiKey). Missing: 401; wrong: 403. Checked before the body is read.",
        };
        document.Components.SecuritySchemes[PaymentSignatureScheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.ApiKey,
            In = ParameterLocation.Header,
            Name = WebhookSignature.Header,
            Description = $"The payment provider's signature: {WebhookSignature.Header}: {WebhookSignature.Format}, keyed with Payments:WebhookSecret, " +
                $"the order id as in the path. Good for that order only, while t is within {WebhookSignature.Tolerance.TotalMinutes:0} minutes of the server's clock; " +
                "otherwise (or missing, or malformed) 401 and nothing changes.",
        };
    }
}
