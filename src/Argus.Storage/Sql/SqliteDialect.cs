using System.Data.Common;
using Argus.Core;
using Microsoft.Data.Sqlite;

namespace Argus.Storage.Sql;

/// <summary>
/// SQLite: one file, WAL journal, <c>synchronous=FULL</c>. In WAL mode FULL fsyncs the log at every commit, so an
/// acknowledged write survives power loss, not only a killed process (NORMAL would only survive the latter).
/// </summary>
internal sealed class SqliteDialect : SqlDialect
{
    // SQLite primary result codes (sqlite3.h).
    private const int SqliteBusy = 5;
    private const int SqliteLocked = 6;
    private const int SqliteReadOnly = 8;
    private const int SqliteIoError = 10;
    private const int SqliteCorrupt = 11;
    private const int SqliteFull = 13;
    private const int SqliteCantOpen = 14;
    private const int SqliteConstraint = 19;
    private const int SqliteNotADatabase = 26;
    private const int SqliteConstraintForeignKey = 787;
    private const int SqliteConstraintPrimaryKey = 1555;
    private const int SqliteConstraintUnique = 2067;

    // 16 KiB pages hold seven 512-d templates (2 KiB each) per page; with 4 KiB pages only one fits and half the file is slack.
    private const int PageSize = 16384;

    private static readonly IReadOnlyList<(string, string)> SqliteTypes =
    [
        ("{id}", "INTEGER PRIMARY KEY AUTOINCREMENT"),
        // The probe of a search that found no candidate (migration 15); nested CASE: only search records are parsed.
        ("{unanswered_probe}", "(CASE WHEN action = 'search.performed' AND outcome = 'ok' THEN CASE WHEN CAST(json_extract(NULLIF(details, ''), '$.candidates') AS TEXT) = '0' THEN NULLIF(CAST(json_extract(NULLIF(details, ''), '$.probe_sha256') AS TEXT), '') END END) VIRTUAL"),
        ("{bigint}", "INTEGER"),
        ("{blob}", "BLOB"),
        ("{ts}", "TEXT"),
        ("{date}", "TEXT"),
        ("{json}", "TEXT"),
        ("{real}", "REAL"),
        ("{keep_embedding_inline}", string.Empty),
    ];

    private readonly string _path;
    private readonly string _connectionString;
    private readonly string _pragmas;
    private readonly TimeSpan _busyTimeout;

    public SqliteDialect(StorageOptions options)
    {
        _path = options.Connection;
        _busyTimeout = options.BusyTimeout;
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = _path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            ForeignKeys = true,

            // Microsoft.Data.Sqlite retries SQLITE_BUSY until the command timeout (whole seconds; 0 would wait forever).
            DefaultTimeout = Math.Max(1, (int)Math.Ceiling(options.BusyTimeout.TotalSeconds)),
        }.ToString();

        // Per connection: busy_timeout lets SQLite itself wait for a lock; secure_delete overwrites erased rows with zeros
        // instead of leaving them in free pages, which erasure of personal data needs.
        _pragmas = $"PRAGMA busy_timeout = {(long)options.BusyTimeout.TotalMilliseconds}; PRAGMA synchronous = FULL; PRAGMA secure_delete = ON;" +
            (options.SqliteMaxPageCount is { } max ? $" PRAGMA max_page_count = {max};" : string.Empty);
    }

    public override StorageProvider Provider => StorageProvider.Sqlite;

    public override string Target => $"sqlite:{_path}";

    protected override IReadOnlyList<(string Placeholder, string Type)> Types => SqliteTypes;

    public override string Json(string parameter) => parameter;

    public override string JsonDocument(string column) => $"NULLIF({column}, '')";

    public override string JsonText(string document, string key) => $"CAST(json_extract({document}, '$.{key}') AS TEXT)";

    public override string? IntegrityCheckSql => "PRAGMA quick_check";

    public override async Task InitialiseAsync(CancellationToken ct)
    {
        var directory = Path.GetDirectoryName(_path)!;
        try
        {
            // A folder Argus creates is its own (0700); an existing one (perhaps shared, such as /srv) is left as it is.
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(directory);
            }
            else
            {
                Directory.CreateDirectory(directory, PrivateFolder);
            }

            RestrictToOwner();
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            throw new ArgusException("storage.read_only", $"Cannot create the data directory {directory}: {e.Message}", e);
        }

        await using var connection = await OpenAsync(ct);
        await using var command = connection.CreateCommand();

        // page_size only takes effect on a new, empty file, and must come before WAL; journal_mode=WAL is persistent.
        command.CommandText = $"PRAGMA page_size = {PageSize}; PRAGMA journal_mode = WAL;";
        var mode = (string?)await command.ExecuteScalarAsync(ct);
        if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
        {
            throw new ArgusException("storage.config", $"{Target}: cannot switch to WAL journal mode (got '{mode}'); is the file system a network share?");
        }
    }

    /// <summary>
    /// The database holds personal data and the audit log: mode 0600. A new file is created empty with that mode
    /// before SQLite opens it, because SQLite creates the -wal and -shm files with the database file's permissions;
    /// an existing database (and its -wal/-shm) made readable by others by an older Argus is tightened.
    /// </summary>
    private void RestrictToOwner()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        if (!File.Exists(_path))
        {
            try
            {
                using var created = new FileStream(_path, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = PrivateFile });
            }
            catch (IOException) when (File.Exists(_path))
            {
                // Another process created it first.
            }
        }

        foreach (var file in (string[])[_path, _path + "-wal", _path + "-shm", _path + "-journal"])
        {
            try
            {
                if (File.Exists(file) && (File.GetUnixFileMode(file) & ~PrivateFile) != 0)
                {
                    File.SetUnixFileMode(file, PrivateFile);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Not ours to change (another owner, a read-only file system): opening reports what matters.
            }
        }
    }

    private const UnixFileMode PrivateFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode PrivateFolder = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    public override async Task<DbConnection> OpenAsync(CancellationToken ct)
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(ct);
            await using var command = connection.CreateCommand();
            command.CommandText = _pragmas;
            await command.ExecuteNonQueryAsync(ct);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    public override Task<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken ct) =>
        Task.FromResult<DbTransaction>(((SqliteConnection)connection).BeginTransaction(deferred: false)); // BEGIN IMMEDIATE

    public override Task<DbTransaction> BeginReadAsync(DbConnection connection, bool snapshot, CancellationToken ct) =>
        Task.FromResult<DbTransaction>(((SqliteConnection)connection).BeginTransaction(deferred: true)); // BEGIN: a WAL read snapshot

    public override Task<TemplateCursor> OpenTemplateCursorAsync(
        DbConnection connection, DbTransaction transaction, long galleryId, long afterTemplateId, CancellationToken ct) =>
        Task.FromResult(SqliteTemplateCursor.Open((SqliteConnection)connection, galleryId, afterTemplateId, Target));

    // BEGIN IMMEDIATE already holds the database's single write lock.
    public override Task LockForMigrationAsync(DbConnection connection, DbTransaction transaction, CancellationToken ct) => Task.CompletedTask;

    public override ArgusException? Translate(Exception exception)
    {
        if (exception is not SqliteException e)
        {
            return null;
        }

        return e.SqliteErrorCode switch
        {
            SqliteBusy or SqliteLocked => Busy(e, _busyTimeout),
            SqliteReadOnly => ReadOnly(e),
            SqliteCorrupt or SqliteNotADatabase => Corrupt(e),
            SqliteFull => Full(e),
            SqliteCantOpen => DirectoryWritable() ? Unavailable(e) : ReadOnly(e),
            SqliteIoError => new ArgusException("storage.io_error", $"The store {Target} hit an I/O error ({e.Message}); the transaction was rolled back.", e),
            _ => null,
        };
    }

    public override bool IsUniqueViolation(Exception exception) =>
        exception is SqliteException { SqliteErrorCode: SqliteConstraint, SqliteExtendedErrorCode: SqliteConstraintUnique or SqliteConstraintPrimaryKey };

    public override bool IsForeignKeyViolation(Exception exception) =>
        exception is SqliteException { SqliteErrorCode: SqliteConstraint, SqliteExtendedErrorCode: SqliteConstraintForeignKey };

    public override ValueTask DisposeAsync()
    {
        // Pooled connections keep the file open; closing them lets SQLite checkpoint the WAL and release the file.
        using var connection = new SqliteConnection(_connectionString);
        SqliteConnection.ClearPool(connection);
        return ValueTask.CompletedTask;
    }

    private bool DirectoryWritable()
    {
        // CANTOPEN also means "cannot create the -wal/-shm files": probe the directory to tell read-only from missing.
        var probe = Path.Combine(Path.GetDirectoryName(_path)!, $".argus-probe-{Environment.ProcessId}-{Guid.NewGuid():N}");
        try
        {
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
            return true;
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            return false;
        }
    }
}
