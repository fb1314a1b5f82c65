using Microsoft.AspNetCore.Http.HttpResults;
using OmniFlow.Api.Infrastructure;
using OmniFlow.Api.Security;
using OmniFlow.Fulfillment.Admission;
using OmniFlow.Fulfillment.Inventory;

namespace OmniFlow.Api.Products;

public static class ProductsApi
{
    public static RouteGroupBuilder MapProductsApi(this RouteGroupBuilder api)
    {
        var products = api.MapGroup("/products").WithTags("Products");
        products.MapPut("/{sku}", PutProductAsync).RequireAdminKey().WithName("PutProduct")
            .WithSummary("Create or replace a product and set its stock, in the database and the gate together (admin).")
            .Answers(StatusCodes.Status400BadRequest, "Malformed JSON, an empty name, a negative price or stock, more than 2 decimal places, or a sku not [A-Za-z0-9_-]{1,64}.")
            .Answers(StatusCodes.Status503ServiceUnavailable, "The gate or the database is unavailable; the product did not change. Send it again.")
            .AnswersForJsonBody();
        products.MapGet("/{sku}", GetProductAsync).WithName("GetProduct")
            .WithSummary("A product with its stock in the database (stock) and in the admission gate (gate_stock).")
            .Answers(StatusCodes.Status404NotFound, "There is no such product.")
            .Answers(StatusCodes.Status503ServiceUnavailable, "The database or the gate is unavailable.");
        return api;
    }

    /// <summary>Creates or replaces the product and sets its stock in the database and in the admission gate together.</summary>
    public static async Task<Results<Ok<ProductResponse>, ValidationProblem>> PutProductAsync(
        string sku, ProductRequest request, IProductCatalog catalog, IAdmissionGate gate, ProductDirectory directory, CancellationToken cancellationToken)
    {
        var validation = request.Validate(sku);
        if (!validation.IsValid)
        {
            return ApiProblems.Invalid(validation.Errors);
        }

        // The gate is set inside the database transaction, with the product's row locked: when the gate cannot be set the
        // upsert is rolled back (503, nothing changed) and a retry of the PUT does the whole thing again. Setting the gate
        // is idempotent, so a gate write that timed out but landed is simply written again by that retry.
        var warehouse = request.Warehouse ?? ProductRequest.DefaultWarehouse;
        var product = await catalog.UpsertAsync(sku, request.Name!.Trim(), request.Price!.Value, warehouse, request.Stock!.Value,
            (saved, token) => gate.SetStockAsync(saved.Sku, saved.AvailableStock, token), cancellationToken);
        directory.Remember(product);
        return TypedResults.Ok(new ProductResponse(product.Sku, product.Name, product.Price, product.AvailableStock, product.AvailableStock, product.Warehouse));
    }

    public static async Task<Results<Ok<ProductResponse>, ProblemHttpResult>> GetProductAsync(
        string sku, IProductCatalog catalog, IAdmissionGate gate, CancellationToken cancellationToken)
    {
        var product = Validation.IsSku(sku) ? await catalog.GetAsync(sku, cancellationToken) : null;
        if (product is null)
        {
            return ApiProblems.NotFound($"There is no product with sku '{sku}'.");
        }

        var gateStock = await gate.GetStockAsync(sku, cancellationToken);
        return TypedResults.Ok(new ProductResponse(product.Sku, product.Name, product.Price, product.AvailableStock, gateStock, product.Warehouse));
    }
}
