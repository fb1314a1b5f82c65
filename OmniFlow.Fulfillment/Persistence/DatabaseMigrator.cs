using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using MySqlConnector;

namespace OmniFlow.Fulfillment.Persistence;

/// <summary>
/// Brings the schema up to date at start. Concurrent migrators are serialised by EF Core's migration lock
/// (MySQL: GET_LOCK; SQLite: the __EFMigrationsLock table), so the Api and the Worker may both call it.
/// A database that is not reachable yet is waited for, up to <see cref="MaxAttempts"/> tries; a MySQL database that does
/// not exist yet is created (the login needs CREATE rights for that).
/// </summary>
public sealed partial class DatabaseMigrator(
    IDbContextFactory<OmniFlowDbContext> contexts,
    DatabaseSettings settings,
    ILogger<DatabaseMigrator> logger)
{
    public const int MaxAttempts = 30;

    public async Task MigrateAsync(CancellationToken cancellationToken = default)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var context = await contexts.CreateDbContextAsync(cancellationToken);
                if (settings.Provider == DatabaseProvider.Sqlite)
                {
                    await UseWriteAheadLogAsync(context, cancellationToken);
                }

                var pending = (await context.Database.GetPendingMigrationsAsync(cancellationToken)).ToList();
                await context.Database.MigrateAsync(cancellationToken);
                LogMigrated(logger, settings.Provider, pending.Count);
                return;
            }
            catch (Exception exception) when (attempt < MaxAttempts && !cancellationToken.IsCancellationRequested
                && (DatabaseErrors.IsTransient(exception) || CreatedConcurrently(exception)))
            {
                LogWaiting(logger, settings.Provider, attempt, exception.Message);
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            }
        }
    }

    /// <summary>Two migrators found no database and both created it; the loser's next attempt finds it and migrates.</summary>
    private static bool CreatedConcurrently(Exception exception) =>
        exception is MySqlException { ErrorCode: MySqlErrorCode.DatabaseCreateExists }
        || exception.InnerException is MySqlException { ErrorCode: MySqlErrorCode.DatabaseCreateExists };

    /// <summary>WAL lets readers in one process go on while the other writes; it is a property of the file, kept once set.</summary>
    private static async Task UseWriteAheadLogAsync(OmniFlowDbContext context, CancellationToken cancellationToken)
    {
        var connection = (SqliteConnection)context.Database.GetDbConnection();
        if (connection.DataSource is "" or ":memory:" || connection.ConnectionString.Contains("Mode=Memory", StringComparison.OrdinalIgnoreCase))
        {
            return;
        }

        await context.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            await context.Database.ExecuteSqlRawAsync("PRAGMA journal_mode = WAL;", cancellationToken);
        }
        finally
        {
            await context.Database.CloseConnectionAsync();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Provider} database is up to date ({Applied} migrations applied)")]
    private static partial void LogMigrated(ILogger logger, DatabaseProvider provider, int applied);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Provider} database not reachable yet (attempt {Attempt}): {Reason}")]
    private static partial void LogWaiting(ILogger logger, DatabaseProvider provider, int attempt, string reason);
}
