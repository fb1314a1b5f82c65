using Microsoft.Data.Sqlite;

namespace OmniFlow.TemporalServer.Persistence;

/// <summary>
/// The SQLite file: namespaces, runs (state snapshot), their history events (append-only) and schedules. Used by one
/// writer at a time. WAL with synchronous NORMAL: a commit survives the process dying, not the machine (README).
/// </summary>
public sealed class SqliteStateFile : IDisposable
{
    private const string Schema = """
        CREATE TABLE IF NOT EXISTS namespaces (name TEXT PRIMARY KEY, state BLOB NOT NULL);
        CREATE TABLE IF NOT EXISTS runs (
            run_key INTEGER PRIMARY KEY, namespace TEXT NOT NULL, workflow_id TEXT NOT NULL, run_id TEXT NOT NULL, state BLOB NOT NULL);
        CREATE TABLE IF NOT EXISTS events (
            run_key INTEGER NOT NULL, event_id INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (run_key, event_id)) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS schedules (
            namespace TEXT NOT NULL, schedule_id TEXT NOT NULL, created INTEGER NOT NULL, state BLOB NOT NULL,
            PRIMARY KEY (namespace, schedule_id));
        """;

    private readonly SqliteConnection _connection;
    private readonly SqliteCommand _upsertRun;
    private readonly SqliteCommand _insertEvent;
    private readonly SqliteCommand _upsertNamespace;
    private readonly SqliteCommand _upsertSchedule;
    private readonly SqliteCommand _deleteSchedule;

    public SqliteStateFile(string path)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        _connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        _connection.Open();
        Execute("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;");
        Execute(Schema);
        _upsertRun = Prepare(
            "INSERT INTO runs (run_key, namespace, workflow_id, run_id, state) VALUES ($key, $ns, $wf, $run, $state) " +
            "ON CONFLICT (run_key) DO UPDATE SET state = excluded.state",
            "$key", "$ns", "$wf", "$run", "$state");
        _insertEvent = Prepare("INSERT INTO events (run_key, event_id, data) VALUES ($key, $id, $data)", "$key", "$id", "$data");
        _upsertNamespace = Prepare(
            "INSERT INTO namespaces (name, state) VALUES ($name, $state) ON CONFLICT (name) DO UPDATE SET state = excluded.state",
            "$name", "$state");
        _upsertSchedule = Prepare(
            "INSERT INTO schedules (namespace, schedule_id, created, state) VALUES ($ns, $id, $created, $state) " +
            "ON CONFLICT (namespace, schedule_id) DO UPDATE SET state = excluded.state, created = excluded.created",
            "$ns", "$id", "$created", "$state");
        _deleteSchedule = Prepare("DELETE FROM schedules WHERE namespace = $ns AND schedule_id = $id", "$ns", "$id");
    }

    public StoredState Load()
    {
        var namespaces = new List<NamespaceChange>();
        using (var command = Command("SELECT name, state FROM namespaces"))
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                namespaces.Add(new NamespaceChange(reader.GetString(0), (byte[])reader[1]));
            }
        }

        var events = new Dictionary<long, List<byte[]>>();
        using (var command = Command("SELECT run_key, data FROM events ORDER BY run_key, event_id"))
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                var key = reader.GetInt64(0);
                if (!events.TryGetValue(key, out var list))
                {
                    events[key] = list = [];
                }

                list.Add((byte[])reader[1]);
            }
        }

        var runs = new List<StoredRun>();
        using (var command = Command("SELECT run_key, namespace, workflow_id, run_id, state FROM runs ORDER BY run_key"))
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                var key = reader.GetInt64(0);
                runs.Add(new StoredRun(key, reader.GetString(1), reader.GetString(2), reader.GetString(3), (byte[])reader[4], events.GetValueOrDefault(key) ?? []));
            }
        }

        var schedules = new List<ScheduleChange>();
        using (var command = Command("SELECT namespace, schedule_id, created, state FROM schedules ORDER BY created"))
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                schedules.Add(new ScheduleChange(reader.GetString(0), reader.GetString(1), reader.GetInt64(2), (byte[])reader[3]));
            }
        }

        return new StoredState(namespaces, runs, schedules);
    }

    /// <summary>Writes the changes in one transaction.</summary>
    public void Write(IReadOnlyList<StoredChange> changes)
    {
        using var transaction = _connection.BeginTransaction();
        foreach (var change in changes)
        {
            switch (change)
            {
                case RunChange run:
                    Run(_upsertRun, transaction, run.Key, run.Namespace, run.WorkflowId, run.RunId, run.State);
                    for (var i = 0; i < run.NewEvents.Count; i++)
                    {
                        Run(_insertEvent, transaction, run.Key, run.FirstNewEventId + i, run.NewEvents[i]);
                    }

                    break;
                case NamespaceChange ns:
                    Run(_upsertNamespace, transaction, ns.Name, ns.State);
                    break;
                case ScheduleChange { State: { } state } schedule:
                    Run(_upsertSchedule, transaction, schedule.Namespace, schedule.ScheduleId, schedule.Order, state);
                    break;
                case ScheduleChange schedule:
                    Run(_deleteSchedule, transaction, schedule.Namespace, schedule.ScheduleId);
                    break;
            }
        }

        transaction.Commit();
    }

    private static void Run(SqliteCommand command, SqliteTransaction transaction, params object[] values)
    {
        command.Transaction = transaction;
        for (var i = 0; i < values.Length; i++)
        {
            command.Parameters[i].Value = values[i];
        }

        command.ExecuteNonQuery();
    }

    private SqliteCommand Prepare(string sql, params string[] parameters)
    {
        var command = Command(sql);
        foreach (var name in parameters)
        {
            command.Parameters.Add(new SqliteParameter { ParameterName = name });
        }

        return command;
    }

    private SqliteCommand Command(string sql)
    {
        var command = _connection.CreateCommand();
        command.CommandText = sql;
        return command;
    }

    private void Execute(string sql)
    {
        using var command = Command(sql);
        command.ExecuteNonQuery();
    }

    public void Dispose()
    {
        _upsertRun.Dispose();
        _insertEvent.Dispose();
        _upsertNamespace.Dispose();
        _upsertSchedule.Dispose();
        _deleteSchedule.Dispose();
        _connection.Dispose();
    }
}
