using OmniFlow.Api.Infrastructure;

namespace OmniFlow.Api.Products;

public sealed record ProductRequest(string? Name, decimal? Price, int? Stock, string? Warehouse)
{
    public const string DefaultWarehouse = "MAIN";
    public const int MaxName = 200;

    private static readonly string NameRule = Validation.PlainTextRule("name", MaxName);

    public Validation Validate(string sku)
    {
        var validation = new Validation();
        validation.Require(Validation.IsSku(sku), "sku", "The sku must match [A-Za-z0-9_-]{1,64}.");
        validation.Require(Validation.IsPlainText(Name, MaxName), "name", NameRule);
        validation.Require(Price is >= 0 and <= 1_000_000_000, "price", "The price is required and must be between 0 and 1000000000.");
        validation.Require(Price is not { } price || Validation.IsCents(price), "price", "The price must have at most 2 decimal places.");
        validation.Require(Stock is >= 0 and <= 100_000_000, "stock", "The stock is required and must be between 0 and 100000000.");
        validation.Require(Warehouse is null || Validation.IsSku(Warehouse), "warehouse", "The warehouse must match [A-Za-z0-9_-]{1,64}.");
        return validation;
    }
}

/// <summary><c>stock</c> is the database's available stock, <c>gate_stock</c> what the admission gate still admits.</summary>
public sealed record ProductResponse(string Sku, string Name, decimal Price, int Stock, int? GateStock, string Warehouse);
