namespace OmniFlow.Fulfillment.Inventory;

/// <summary>A quantity of one sku, as ordered, reserved or released.</summary>
public sealed record StockLine(string Sku, int Quantity);
