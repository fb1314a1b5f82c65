namespace OmniFlow.Fulfillment.Shipping;

/// <summary>The <c>Shipping</c> configuration section.</summary>
public sealed class ShippingOptions
{
    public const string Section = "Shipping";

    /// <summary>Warehouses the fake carrier refuses to ship from (to drive the failure path).</summary>
    public List<string> FailWarehouses { get; set; } = [];
}
