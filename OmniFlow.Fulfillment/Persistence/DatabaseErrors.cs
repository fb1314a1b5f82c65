using Microsoft.Data.Sqlite;
using MySqlConnector;

namespace OmniFlow.Fulfillment.Persistence;

/// <summary>Reads provider exceptions, wherever EF Core wrapped them.</summary>
public static class DatabaseErrors
{
    private const int SqliteBusy = 5;
    private const int SqliteLocked = 6;
    private const int SqliteConstraint = 19;
    private const int SqliteConstraintPrimaryKey = 1555;
    private const int SqliteConstraintUnique = 2067;

    /// <summary>A unique index or primary key refused a second row with the same key.</summary>
    public static bool IsDuplicateKey(Exception exception) => Causes(exception).Any(cause => cause switch
    {
        MySqlException mySql => mySql.ErrorCode == MySqlErrorCode.DuplicateKeyEntry,
        SqliteException sqlite => sqlite.SqliteErrorCode == SqliteConstraint
            && sqlite.SqliteExtendedErrorCode is SqliteConstraintPrimaryKey or SqliteConstraintUnique,
        _ => false,
    });

    /// <summary>The database chose this statement's transaction as a deadlock's victim and rolled it back.</summary>
    public static bool IsDeadlock(Exception exception) =>
        Causes(exception).Any(cause => cause is MySqlException { ErrorCode: MySqlErrorCode.LockDeadlock });

    /// <summary>A deadlock, lock wait timeout, busy database or lost connection: nothing was done, try again.</summary>
    public static bool IsTransient(Exception exception) => Causes(exception).Any(cause => cause switch
    {
        MySqlException mySql => mySql.IsTransient
            || mySql.ErrorCode is MySqlErrorCode.LockDeadlock or MySqlErrorCode.LockWaitTimeout
                or MySqlErrorCode.UnableToConnectToHost,
        SqliteException sqlite => sqlite.SqliteErrorCode is SqliteBusy or SqliteLocked,
        TimeoutException => true,
        System.Net.Sockets.SocketException => true,
        IOException => true,
        _ => false,
    });

    private static IEnumerable<Exception> Causes(Exception exception)
    {
        for (Exception? current = exception; current is not null; current = current.InnerException)
        {
            yield return current;
        }
    }
}
