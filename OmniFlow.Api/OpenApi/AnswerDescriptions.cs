using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace OmniFlow.Api.OpenApi;

/// <summary>Each answer is described as its endpoint declares it (<see cref="Infrastructure.ProblemAnswers"/>), the last declaration winning.</summary>
public sealed class AnswerDescriptions : IOpenApiOperationTransformer
{
    public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var declared = context.Description.ActionDescriptor.EndpointMetadata
            .OfType<IProducesResponseTypeMetadata>()
            .Where(answer => answer.Description is not null)
            .GroupBy(answer => answer.StatusCode)
            .ToDictionary(group => group.Key.ToString(System.Globalization.CultureInfo.InvariantCulture), group => group.Last().Description!);
        foreach (var (status, response) in operation.Responses ?? [])
        {
            if (declared.TryGetValue(status, out var description) && response is OpenApiResponse described)
            {
                described.Description = description;
            }
        }

        return Task.CompletedTask;
    }
}
