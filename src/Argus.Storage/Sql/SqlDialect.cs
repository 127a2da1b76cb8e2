using System.Data.Common;
using Argus.Core;

namespace Argus.Storage.Sql;

/// <summary>
/// What differs between the providers: connections, transactions, column types, locking for migrations and the
/// translation of provider errors into <see cref="ArgusException"/> codes. Everything else is shared SQL.
/// </summary>
internal abstract class SqlDialect : IAsyncDisposable
{
    public abstract StorageProvider Provider { get; }

    /// <summary>Where the store is, without credentials: safe for messages and logs.</summary>
    public abstract string Target { get; }

    /// <summary>Replaces the type placeholders of the migration scripts: {id} {bigint} {blob} {ts} {date} {json} {real}, and provider-only statements such as {keep_embedding_inline}.</summary>
    public string Ddl(string script)
    {
        foreach (var (placeholder, type) in Types)
        {
            script = script.Replace(placeholder, type, StringComparison.Ordinal);
        }

        return script;
    }

    protected abstract IReadOnlyList<(string Placeholder, string Type)> Types { get; }

    /// <summary>How a JSON text parameter is written in SQL (PostgreSQL needs a cast to jsonb).</summary>
    public abstract string Json(string parameter);

    /// <summary>A JSON text column parsed once, for <see cref="JsonText"/> to read members of (NULL when the column is empty).</summary>
    public abstract string JsonDocument(string column);

    /// <summary>
    /// A top-level member of a parsed document (<see cref="JsonDocument"/>) as text (numbers written as digits, strings
    /// unquoted), NULL when there is no such member. <paramref name="key"/> is a constant of the caller, never user input.
    /// </summary>
    public abstract string JsonText(string document, string key);

    /// <summary>What ends a subquery so that the planner evaluates its columns once instead of inlining them (PostgreSQL: <c>OFFSET 0</c>).</summary>
    public virtual string KeepSubquery => "";

    /// <summary>One-off preparation before the first connection (SQLite: directory, page size, WAL).</summary>
    public virtual Task InitialiseAsync(CancellationToken ct) => Task.CompletedTask;

    /// <summary>A statement that checks the database's own structures, returning "ok" rows when sound; null when there is none.</summary>
    public virtual string? IntegrityCheckSql => null;

    public abstract Task<DbConnection> OpenAsync(CancellationToken ct);

    /// <summary>A transaction that holds the write lock from its first statement, so writers queue instead of deadlocking.</summary>
    public abstract Task<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken ct);

    /// <summary>A read transaction; with <paramref name="snapshot"/> every statement sees the same committed state.</summary>
    public abstract Task<DbTransaction> BeginReadAsync(DbConnection connection, bool snapshot, CancellationToken ct);

    /// <summary>Opens a cursor over a gallery's templates in id order, inside <paramref name="transaction"/>.</summary>
    public virtual Task<TemplateCursor> OpenTemplateCursorAsync(
        DbConnection connection, DbTransaction transaction, long galleryId, long afterTemplateId, CancellationToken ct) =>
        ReaderTemplateCursor.OpenAsync(connection, transaction, galleryId, afterTemplateId, Target, ct);

    /// <summary>Serialises migrations across processes for the rest of <paramref name="transaction"/>.</summary>
    public abstract Task LockForMigrationAsync(DbConnection connection, DbTransaction transaction, CancellationToken ct);

    /// <summary>The one place where provider exceptions become Argus error codes; null when not a storage failure.</summary>
    public abstract ArgusException? Translate(Exception exception);

    public abstract bool IsUniqueViolation(Exception exception);

    public abstract bool IsForeignKeyViolation(Exception exception);

    public abstract ValueTask DisposeAsync();

    protected ArgusException Busy(Exception inner, TimeSpan timeout) => new(
        "storage.busy",
        $"The store {Target} is locked by another writer and stayed locked beyond the busy timeout ({timeout.TotalSeconds:0.###} s); " +
        "nothing was written. Retry, or find the process holding the lock.",
        inner);

    protected ArgusException ReadOnly(Exception inner) => new(
        "storage.read_only",
        $"The store {Target} is read-only (file, directory or database permissions); nothing was written.",
        inner);

    protected ArgusException Corrupt(Exception inner) => new(
        "storage.corrupt",
        $"The store {Target} is corrupt or not an Argus database ({inner.Message}). Restore it from a backup; nothing was changed.",
        inner);

    protected ArgusException Full(Exception inner) => new(
        "storage.full",
        $"The store {Target} is full (disk or size limit); the transaction was rolled back and nothing was written.",
        inner);

    protected ArgusException Unavailable(Exception inner) => new(
        "storage.unavailable",
        $"The store {Target} cannot be reached ({inner.Message}).",
        inner);
}
