using System.Data.Common;
using Argus.Core;
using Argus.Storage.Sql;

namespace Argus.Storage;

/// <summary>
/// The authoritative store of galleries, subjects and templates. Open one per process with <see cref="OpenAsync(StorageOptions, CancellationToken)"/>
/// (it migrates the schema unless told not to) and share it: it is thread-safe, every call uses its own pooled
/// connection and transaction. Failures of the database itself surface as <see cref="ArgusException"/> with a
/// <c>storage.*</c> code; refused input with <c>gallery.*</c>, <c>subject.*</c> or <c>template.*</c>.
/// </summary>
public sealed partial class ArgusStore : IAsyncDisposable
{
    private readonly SqlDialect _dialect;
    private readonly TimeProvider _time;

    /// <summary>On a view made by <c>WithAudit</c>: the record its one write appends in its own transaction.</summary>
    private readonly PendingAudit? _audit;

    /// <summary>Shared with every view: who hears of committed audit records (the head checkpoint).</summary>
    private readonly AuditListeners _listeners;
    private int _auditedWrites;
    private readonly object _initialiseGate = new();
    private Task? _initialised;
    private int _disposed;

    private ArgusStore(SqlDialect dialect, StorageOptions options, AuditListeners? listeners = null)
    {
        _dialect = dialect;
        _time = options.TimeProvider;
        Options = options;
        _listeners = listeners ?? new AuditListeners();
    }

    private ArgusStore(ArgusStore store, PendingAudit audit)
        : this(store._dialect, store.Options, store._listeners)
    {
        _audit = audit;
    }

    /// <summary>
    /// Awaited after every commit that appended audit records, with the last of them (the new head): the head
    /// checkpoint counts records with it. It must not throw; the write has already committed.
    /// </summary>
    public Func<Core.Audit.AuditRecord, Task>? AuditCommitted
    {
        get => _listeners.Committed;
        set => _listeners.Committed = value;
    }

    public StorageOptions Options { get; }

    public StorageProvider Provider => _dialect.Provider;

    /// <summary>Where the store is, without credentials.</summary>
    public string Target => _dialect.Target;

    /// <summary>The schema version this build of Argus writes.</summary>
    public static int LatestSchemaVersion => Migrations.Latest;

    /// <summary>Opens the store without migrating and applies the pending steps; returns those applied (for <c>argus db migrate</c>).</summary>
    public static async Task<IReadOnlyList<AppliedMigration>> MigrateAsync(StorageOptions options, CancellationToken ct = default)
    {
        await using var store = await OpenAsync(options with { MigrateOnOpen = false }, checkVersion: false, ct);
        return await store.MigrateAsync(ct);
    }

    public static Task<ArgusStore> OpenAsync(StorageOptions options, CancellationToken ct = default) => OpenAsync(options, checkVersion: true, ct);

    private static async Task<ArgusStore> OpenAsync(StorageOptions options, bool checkVersion, CancellationToken ct)
    {
        var store = Create(options);
        try
        {
            await store.InitialiseAsync(checkVersion, ct);
            return store;
        }
        catch
        {
            await store.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// The store over <paramref name="options"/>, not yet opened: nothing is read or written until
    /// <see cref="InitialiseAsync(CancellationToken)"/>, which a host's start-up runs once (the shape of a data source
    /// registered in a container and migrated by a hosted service). Bad options fail here (<c>storage.config</c>).
    /// </summary>
    public static ArgusStore Create(StorageOptions options)
    {
        SqlDialect dialect = options.Provider switch
        {
            StorageProvider.Sqlite => new SqliteDialect(options),
            StorageProvider.Postgres => new PostgresDialect(options),
            _ => throw new ArgumentOutOfRangeException(nameof(options)),
        };
        return new ArgusStore(dialect, options);
    }

    /// <summary>
    /// Opens the store made by <see cref="Create"/>: prepares the database and migrates it (or, with
    /// <see cref="StorageOptions.MigrateOnOpen"/> off, checks that its schema is the one this build writes). Runs once;
    /// later calls, from any thread, wait for the first.
    /// </summary>
    public Task InitialiseAsync(CancellationToken ct = default) => InitialiseAsync(checkVersion: true, ct);

    private Task InitialiseAsync(bool checkVersion, CancellationToken ct)
    {
        lock (_initialiseGate)
        {
            return _initialised ??= InitialiseOnceAsync(checkVersion, ct);
        }
    }

    private async Task InitialiseOnceAsync(bool checkVersion, CancellationToken ct)
    {
        try
        {
            await _dialect.InitialiseAsync(ct);
        }
        catch (Exception e) when (Translate(e) is { } mapped)
        {
            throw mapped;
        }

        if (Options.MigrateOnOpen)
        {
            await MigrateAsync(ct);
        }
        else if (checkVersion)
        {
            var version = await GetSchemaVersionAsync(ct);
            if (version > Migrations.Latest)
            {
                throw new ArgusException(
                    "storage.schema_too_new",
                    $"The store {_dialect.Target} has schema version {version}, newer than this Argus ({Migrations.Latest}); upgrade Argus.");
            }

            if (version != Migrations.Latest)
            {
                throw new ArgusException(
                    "storage.schema_outdated",
                    $"The store {_dialect.Target} is at schema version {version}, this Argus needs {Migrations.Latest}: run 'argus db migrate'.");
            }
        }
    }

    /// <summary>Applies the pending schema steps; returns those applied (none when the schema is current). Safe to run concurrently.</summary>
    public async Task<IReadOnlyList<AppliedMigration>> MigrateAsync(CancellationToken ct = default)
    {
        try
        {
            var applied = await Migrations.ApplyAsync(_dialect, _time, ct);
            foreach (var step in applied)
            {
                Log.MigrationApplied(Options.Logger, step.Version, step.Name, Target);
            }

            return applied;
        }
        catch (Exception e) when (Translate(e) is { } mapped)
        {
            throw mapped;
        }
    }

    public Task<int> GetSchemaVersionAsync(CancellationToken ct = default) =>
        ReadAsync(static (c, t, ct) => Migrations.CurrentVersionAsync(c, t, ct), ct);

    /// <summary>
    /// Checks the database (SQLite: <c>PRAGMA quick_check</c>, which reads every page) and Argus's own invariants: each
    /// gallery's counters match its templates and every embedding has its gallery's size. Returns the problems found,
    /// empty when sound; a file too damaged to read fails with <c>storage.corrupt</c>.
    /// </summary>
    public Task<IReadOnlyList<string>> CheckIntegrityAsync(CancellationToken ct = default) =>
        ReadAsync<IReadOnlyList<string>>(
            async (connection, transaction, ct) =>
            {
                var problems = new List<string>();
                if (_dialect.IntegrityCheckSql is { } check)
                {
                    await using var command = connection.Command(transaction, check);
                    await using var reader = await command.ExecuteReaderAsync(ct);
                    while (await reader.ReadAsync(ct))
                    {
                        if (reader.GetString(0) != "ok")
                        {
                            problems.Add("database: " + reader.GetString(0));
                        }
                    }
                }

                await using (var counters = connection.Command(
                    transaction,
                    """
                    SELECT g.name, g.template_count, g.max_template_id,
                      (SELECT COUNT(*) FROM templates t WHERE t.gallery_id = g.id),
                      (SELECT COALESCE(MAX(t.id), 0) FROM templates t WHERE t.gallery_id = g.id)
                    FROM galleries g ORDER BY g.id
                    """))
                {
                    await using var reader = await counters.ExecuteReaderAsync(ct);
                    while (await reader.ReadAsync(ct))
                    {
                        var (name, count, max, actualCount, actualMax) =
                            (reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2), Convert.ToInt64(reader.GetValue(3)), Convert.ToInt64(reader.GetValue(4)));
                        if (count != actualCount || actualMax > max)
                        {
                            problems.Add($"gallery '{name}': counters say {count} templates (max id {max}), found {actualCount} (max id {actualMax})");
                        }
                    }
                }

                await using (var sizes = connection.Command(
                    transaction,
                    """
                    SELECT t.id, g.name, length(t.embedding), g.dimension * 4
                    FROM templates t JOIN galleries g ON g.id = t.gallery_id
                    WHERE length(t.embedding) <> g.dimension * 4 ORDER BY t.id LIMIT 100
                    """))
                {
                    await using var reader = await sizes.ExecuteReaderAsync(ct);
                    while (await reader.ReadAsync(ct))
                    {
                        problems.Add($"template {reader.GetInt64(0)} in gallery '{reader.GetString(1)}': embedding of {Convert.ToInt64(reader.GetValue(2))} bytes, expected {Convert.ToInt64(reader.GetValue(3))}");
                    }
                }

                return problems;
            },
            ct);

    /// <summary>Disposes the store and its connections; a view made by <c>WithAudit</c> owns nothing and disposes nothing.</summary>
    /// <summary>Closes the store (once: a container and an owner may both dispose it); a view made by <c>WithAudit</c> owns nothing.</summary>
    public ValueTask DisposeAsync() => _audit is null && Interlocked.Exchange(ref _disposed, 1) == 0 ? _dialect.DisposeAsync() : ValueTask.CompletedTask;

    /// <summary>The provider's translation of a failure, logged once here; null for anything that is not a storage failure.</summary>
    private ArgusException? Translate(Exception exception)
    {
        var mapped = _dialect.Translate(exception);
        if (mapped is not null)
        {
            Log.StorageFailure(Options.Logger, mapped.Code, Target, exception);
        }

        return mapped;
    }

    /// <summary>
    /// Runs <paramref name="body"/> in a write transaction that commits when it returns; provider failures are
    /// translated. On a view made by <c>WithAudit</c> the view's audit record is appended after the body,
    /// in the same transaction, so the change and its record commit together or not at all.
    /// </summary>
    private async Task<T> WriteAsync<T>(Func<DbConnection, DbTransaction, long, Task<T>> body, CancellationToken ct)
    {
        if (_audit is not null && Interlocked.Exchange(ref _auditedWrites, 1) != 0)
        {
            throw new InvalidOperationException("A store view made by WithAudit records one write; make a new view for each audited change.");
        }

        try
        {
            await using var connection = await _dialect.OpenAsync(ct);
            await using var transaction = await _dialect.BeginWriteAsync(connection, ct);

            // Every write takes the next change number first. On PostgreSQL the row lock on the counter also orders
            // writers, so template ids commit in increasing order and "ids above the fingerprint's max" is exact.
            long sequence;
            await using (var bump = connection.Command(transaction, "UPDATE change_counter SET value = value + 1 WHERE id = 1 RETURNING value"))
            {
                sequence = await bump.ScalarInt64Async(ct);
            }

            var result = await body(connection, transaction, sequence);
            Core.Audit.AuditRecord? appended = null;
            if (_audit is { } audit)
            {
                foreach (var e in audit.Records(result))
                {
                    appended = await AppendAuditAsync(connection, transaction, audit.Chain, e, ct);
                }
            }

            await transaction.CommitAsync(ct);
            _listeners.LastWriteFailure = null;
            await NotifyAuditAsync(appended);
            return result;
        }
        catch (Exception e) when (Translate(e) is { } mapped)
        {
            if (mapped.Code is "storage.full" or "storage.read_only" or "storage.io_error")
            {
                _listeners.LastWriteFailure = new WriteFailure(mapped.Code, _time.GetUtcNow());
            }

            throw mapped;
        }
    }

    private async Task NotifyAuditAsync(Core.Audit.AuditRecord? head)
    {
        if (head is not null && _listeners.Committed is { } committed)
        {
            await committed(head);
        }
    }

    /// <summary>What every view of one store shares: who hears of audit commits, and the last write that failed for want of space or permission.</summary>
    private sealed class AuditListeners
    {
        public Func<Core.Audit.AuditRecord, Task>? Committed { get; set; }

        public volatile WriteFailure? LastWriteFailure;

        public volatile ProbeResult? LastProbe;
    }

    private sealed record WriteFailure(string Code, DateTimeOffset At);

    private sealed record ProbeResult(string? Code, DateTimeOffset At);

    /// <summary>How long a real write's failure (full, read-only) keeps the store reported unwritable after the probe passes.</summary>
    private static readonly TimeSpan FailureMemory = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Whether the store can take writes now: null when it can, else the <c>storage.*</c> code that says why. Three
    /// signals: (SQLite) the file system holding the database has less than <paramref name="minimumFreeBytes"/> free;
    /// a probe that inserts 64 KiB and rolls back fails (read-only file or role, full page budget, a database in
    /// recovery); a real write failed for want of space or permission in the last 30 s and none has succeeded since
    /// (a full disk that only the commit's fsync discovers). For <c>/ready</c>.
    /// </summary>
    public async Task<string?> CheckWritableAsync(long minimumFreeBytes, CancellationToken ct = default)
    {
        if (FreeBytes() is { } free && free < minimumFreeBytes)
        {
            return "storage.full";
        }

        // /ready is anonymous: one probe write per second at most, whoever asks and however often.
        var now = _time.GetUtcNow();
        string? code;
        if (_listeners.LastProbe is { } cached && now - cached.At < TimeSpan.FromSeconds(1))
        {
            code = cached.Code;
        }
        else
        {
            code = await ProbeWriteAsync(ct);
            _listeners.LastProbe = new ProbeResult(code, now);
        }

        return code ?? (_listeners.LastWriteFailure is { } last && now - last.At < FailureMemory ? last.Code : null);
    }

    private long? FreeBytes()
    {
        if (Provider != StorageProvider.Sqlite)
        {
            return null;
        }

        try
        {
            return new DriveInfo(Path.GetDirectoryName(Options.Connection)!).AvailableFreeSpace;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return null;
        }
    }

    private async Task<string?> ProbeWriteAsync(CancellationToken ct)
    {
        try
        {
            await using var connection = await _dialect.OpenAsync(ct);
            await using var transaction = await _dialect.BeginWriteAsync(connection, ct);
            await using (var probe = connection.Command(transaction, "INSERT INTO store_probe (id, filler) VALUES (1, @f)"))
            {
                probe.Add("f", new byte[64 * 1024]);
                await probe.ExecuteNonQueryAsync(ct);
            }

            await transaction.RollbackAsync(ct);
            return null;
        }
        catch (Exception e) when (Translate(e) is { } mapped)
        {
            return mapped.Code;
        }
    }

    private async Task<T> ReadAsync<T>(Func<DbConnection, DbTransaction, CancellationToken, Task<T>> body, CancellationToken ct, bool snapshot = false)
    {
        try
        {
            await using var connection = await _dialect.OpenAsync(ct);
            await using var transaction = await _dialect.BeginReadAsync(connection, snapshot, ct);
            var result = await body(connection, transaction, ct);
            await transaction.CommitAsync(ct);
            return result;
        }
        catch (Exception e) when (Translate(e) is { } mapped)
        {
            throw mapped;
        }
    }
}
