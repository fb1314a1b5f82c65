using Microsoft.Extensions.Diagnostics.HealthChecks;
using MySqlConnector;

namespace OmniFlow.AppHost.MySql;

/// <summary>Healthy when a connection opens and answers <c>SELECT 1</c>.</summary>
internal sealed class MySqlHealthCheck(string connectionString) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var connection = new MySqlConnection(connectionString);
            await connection.OpenAsync(cancellationToken);
            await using var command = new MySqlCommand("SELECT 1", connection);
            await command.ExecuteScalarAsync(cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (MySqlException exception)
        {
            return HealthCheckResult.Unhealthy(exception.Message);
        }
    }
}
