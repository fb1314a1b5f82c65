using System.Globalization;

namespace OmniFlow.Fulfillment.Orders;

/// <summary>
/// How an amount of money is written for clients, in answers and in messages alike: exactly two decimal places
/// (<c>100.00</c>), whatever scale the value came with (a price typed as <c>100</c>, a MySQL <c>DECIMAL(18,2)</c>).
/// </summary>
public static class WireMoney
{
    public const int Places = 2;

    /// <summary>The same amount with a scale of exactly <see cref="Places"/>; amounts are validated to whole cents.</summary>
    public static decimal Scaled(decimal amount) => decimal.Round(amount + 0.00m, Places, MidpointRounding.ToEven);

    public static string Text(decimal amount) => Scaled(amount).ToString(CultureInfo.InvariantCulture);
}
