using System.Data;
using System.Data.Common;
using System.Net.Sockets;
using Argus.Core;
using Npgsql;

namespace Argus.Storage.Sql;

/// <summary>
/// PostgreSQL through one <see cref="NpgsqlDataSource"/> (pooled, thread-safe). Durability is the server's: a commit
/// returns after the WAL is flushed (<c>synchronous_commit=on</c>, the default). A lock wait beyond the busy timeout
/// fails with <c>storage.busy</c> (<c>lock_timeout</c>) rather than hanging.
/// </summary>
internal sealed class PostgresDialect : SqlDialect
{
    private static readonly IReadOnlyList<(string, string)> PostgresTypes =
    [
        ("{id}", "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY"),
        // The probe of a search that found no candidate (migration 15); nested CASE: only search records are parsed.
        ("{unanswered_probe}", "(CASE WHEN action = 'search.performed' AND outcome = 'ok' THEN CASE WHEN (CAST(NULLIF(details, '') AS jsonb) ->> 'candidates') = '0' THEN NULLIF(CAST(NULLIF(details, '') AS jsonb) ->> 'probe_sha256', '') END END) STORED"),
        ("{bigint}", "BIGINT"),
        ("{blob}", "BYTEA"),
        ("{ts}", "TIMESTAMPTZ"),
        ("{date}", "DATE"),
        ("{json}", "JSONB"),
        ("{real}", "REAL"),

        // A 512-d template is 2,048 bytes, just over PostgreSQL's TOAST threshold: by default it would be moved to the
        // TOAST table (random floats do not compress), costing an extra lookup per row on every stream. MAIN keeps it
        // in the row whenever it fits a page.
        ("{keep_embedding_inline}", "ALTER TABLE templates ALTER COLUMN embedding SET STORAGE MAIN;"),
    ];

    private readonly NpgsqlDataSource _dataSource;
    private readonly string? _schema;
    private readonly TimeSpan _busyTimeout;

    public PostgresDialect(StorageOptions options)
    {
        _schema = options.Schema;
        _busyTimeout = options.BusyTimeout;
        NpgsqlConnectionStringBuilder builder;
        try
        {
            builder = new NpgsqlConnectionStringBuilder(options.Connection);
        }
        catch (ArgumentException e)
        {
            throw new ArgusException("storage.config", $"The PostgreSQL connection string is invalid: {e.Message}", e);
        }

        var lockTimeout = $"-c lock_timeout={(long)options.BusyTimeout.TotalMilliseconds}";
        builder.Options = string.IsNullOrWhiteSpace(builder.Options) ? lockTimeout : builder.Options + " " + lockTimeout;
        if (_schema is not null)
        {
            builder.SearchPath = _schema;
        }

        // Lets a failed statement of a batch be named (which template was the duplicate).
        builder.IncludeFailedBatchedCommand = true;

        Target = $"postgres://{builder.Host}:{builder.Port}/{builder.Database}" + (_schema is null ? string.Empty : $" (schema {_schema})");
        _dataSource = new NpgsqlDataSourceBuilder(builder.ConnectionString).Build();
    }

    public override StorageProvider Provider => StorageProvider.Postgres;

    public override string Target { get; }

    protected override IReadOnlyList<(string Placeholder, string Type)> Types => PostgresTypes;

    public override string Json(string parameter) => $"CAST({parameter} AS jsonb)";

    public override string JsonDocument(string column) => $"CAST(NULLIF({column}, '') AS jsonb)";

    public override string JsonText(string document, string key) => $"({document} ->> '{key}')";

    public override string KeepSubquery => " OFFSET 0";

    public override async Task<DbConnection> OpenAsync(CancellationToken ct) => await _dataSource.OpenConnectionAsync(ct);

    public override async Task<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken ct) =>
        await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, ct);

    public override async Task<DbTransaction> BeginReadAsync(DbConnection connection, bool snapshot, CancellationToken ct) =>
        await connection.BeginTransactionAsync(snapshot ? IsolationLevel.RepeatableRead : IsolationLevel.ReadCommitted, ct);

    public override async Task LockForMigrationAsync(DbConnection connection, DbTransaction transaction, CancellationToken ct)
    {
        // A transaction-scoped advisory lock per schema: a second process waits here, then finds the steps applied.
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        var schema = _schema ?? "public";
        command.CommandText = "SELECT pg_advisory_xact_lock(hashtext(@key))";
        var key = command.CreateParameter();
        key.ParameterName = "key";
        key.Value = "argus.migrate." + schema;
        command.Parameters.Add(key);
        await command.ExecuteNonQueryAsync(ct);
        if (_schema is not null)
        {
            // The schema name was checked to be a plain identifier (StorageOptions.Postgres).
            command.Parameters.Clear();
#pragma warning disable CA2100 // identifier validated above
            command.CommandText = $"CREATE SCHEMA IF NOT EXISTS \"{_schema}\"; SET LOCAL search_path TO \"{_schema}\"";
#pragma warning restore CA2100
            await command.ExecuteNonQueryAsync(ct);
        }
    }

    public override ArgusException? Translate(Exception exception)
    {
        switch (exception)
        {
            case PostgresException p:
                return p.SqlState switch
                {
                    "55P03" or "40001" or "40P01" => Busy(p, _busyTimeout), // lock_not_available, serialization_failure, deadlock
                    "25006" or "42501" => ReadOnly(p),                     // read_only_sql_transaction, insufficient_privilege
                    "53100" => Full(p),                                    // disk_full
                    "XX001" or "XX002" => Corrupt(p),                      // data_corrupted, index_corrupted
                    _ when p.SqlState.StartsWith("08", StringComparison.Ordinal) // connection exceptions
                        || p.SqlState.StartsWith("28", StringComparison.Ordinal) // authentication
                        || p.SqlState.StartsWith("57P", StringComparison.Ordinal) // server shutting down or starting
                        || p.SqlState == "3D000" => Unavailable(p),           // database does not exist
                    _ => null,
                };
            case NpgsqlException n when n.InnerException is SocketException or TimeoutException or IOException || n.IsTransient:
                return Unavailable(n);
            default:
                return null;
        }
    }

    public override bool IsUniqueViolation(Exception exception) => exception is PostgresException { SqlState: "23505" };

    public override bool IsForeignKeyViolation(Exception exception) => exception is PostgresException { SqlState: "23503" };

    public override ValueTask DisposeAsync() => _dataSource.DisposeAsync();
}
