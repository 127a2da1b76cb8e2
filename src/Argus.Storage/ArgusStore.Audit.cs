using System.Data.Common;
using System.Runtime.CompilerServices;
using Argus.Core.Audit;
using Argus.Storage.Sql;

namespace Argus.Storage;

/// <summary>
/// The audit log: one table, appended to only here, each record hash-chained to the one before it with the server's
/// key (<see cref="AuditChain"/>). A change and its record commit in one transaction: a write made through
/// <c>WithAudit</c> appends the record inside the change's own transaction, so a crash or a lost database
/// leaves both or neither. <see cref="AppendAuditAsync(AuditChain, AuditEvent, CancellationToken)"/> is for records
/// that change nothing (reads, refusals). Every append runs inside <see cref="WriteAsync{T}"/>, after the change
/// counter is taken: that serialises writers (SQLite's write lock, PostgreSQL's row lock on the counter), so sequence
/// numbers have no gaps and each record chains to the one committed before it. Time is stored as UTC ticks so that
/// the hash input survives every provider unchanged. Records are never updated or deleted by Argus; retention keeps
/// them at least as long as configured.
/// </summary>
public sealed partial class ArgusStore
{
    /// <summary>Appends one record on its own (a read or a refusal: nothing else changes) and returns it with its sequence number and hash.</summary>
    public async Task<AuditRecord> AppendAuditAsync(AuditChain chain, AuditEvent e, CancellationToken ct = default)
    {
        var record = await WriteAsync((connection, transaction, _) => AppendAuditAsync(connection, transaction, chain, e, ct), ct);
        await NotifyAuditAsync(record);
        return record;
    }

    /// <summary>The last record (the chain's head), or null when the log is empty.</summary>
    public Task<AuditRecord?> GetAuditHeadAsync(CancellationToken ct = default) =>
        ReadAsync(
            async (connection, transaction, ct) =>
            {
                await using var read = connection.Command(transaction, $"{AuditColumns} ORDER BY seq DESC LIMIT 1");
                await using var reader = await read.ExecuteReaderAsync(ct);
                return await reader.ReadAsync(ct) ? ReadAudit(reader) : null;
            },
            ct);

    /// <summary>The record with sequence <paramref name="sequence"/>, or null when there is none.</summary>
    public Task<AuditRecord?> GetAuditRecordAsync(long sequence, CancellationToken ct = default) =>
        ReadAsync(
            async (connection, transaction, ct) =>
            {
                await using var read = connection.Command(transaction, $"{AuditColumns} WHERE seq = @s");
                read.Add("s", sequence);
                await using var reader = await read.ExecuteReaderAsync(ct);
                return await reader.ReadAsync(ct) ? ReadAudit(reader) : null;
            },
            ct);

    /// <summary>
    /// A view of this store whose one write also appends <paramref name="e"/> to the audit log, in the same
    /// transaction: <c>store.WithAudit(chain, record).RemoveCameraAsync(id, ct)</c>. If the write fails, nothing of
    /// either is kept.
    /// </summary>
    public ArgusStore WithAudit(AuditChain chain, AuditEvent e) => WithAudit<object?>(chain, _ => e);

    /// <summary>
    /// As <see cref="WithAudit(AuditChain, AuditEvent)"/>, for a record that names what the write made (a new id):
    /// <paramref name="record"/> receives the write's result inside the transaction, after the change and before the
    /// commit. <typeparamref name="T"/> is the write method's result type. The view makes one write; a second one
    /// throws, and an exception from <paramref name="record"/> rolls the change back.
    /// </summary>
    public ArgusStore WithAudit<T>(AuditChain chain, Func<T, AuditEvent> record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return WithAudit<T>(chain, result => [record(result)]);
    }

    /// <summary>As <see cref="WithAudit{T}(AuditChain, Func{T, AuditEvent})"/>, for a change that is several records (appended in order).</summary>
    public ArgusStore WithAudit<T>(AuditChain chain, Func<T, IEnumerable<AuditEvent>> records)
    {
        ArgumentNullException.ThrowIfNull(chain);
        ArgumentNullException.ThrowIfNull(records);
        return new ArgusStore(this, new PendingAudit(chain, result => result is T || (result is null && default(T) is null)
            ? records((T)result!)
            : throw new InvalidOperationException($"The audited write returned {result?.GetType().Name ?? "null"}, the record expects {typeof(T).Name}.")));
    }

    private async Task<AuditRecord> AppendAuditAsync(DbConnection connection, DbTransaction transaction, AuditChain chain, AuditEvent e, CancellationToken ct)
    {
        AuditRecord? last = null;
        await using (var read = connection.Command(transaction, $"{AuditColumns} ORDER BY seq DESC LIMIT 1"))
        {
            await using var reader = await read.ExecuteReaderAsync(ct);
            if (await reader.ReadAsync(ct))
            {
                last = ReadAudit(reader);
            }
        }

        var record = chain.Append(last, e, _time.GetUtcNow());
        await using var insert = connection.Command(
            transaction,
            """
            INSERT INTO audit_log (seq, occurred_at_ticks, actor, action, target, outcome, details, prev_hash, hash)
            VALUES (@s, @t, @a, @c, @g, @o, @d, @p, @h)
            """);
        insert.Add("s", record.Sequence).Add("t", record.OccurredAt.UtcTicks).Add("a", record.Actor).Add("c", record.Action)
            .Add("g", record.Target).Add("o", record.Outcome).Add("d", record.Details).Add("p", record.PreviousHash).Add("h", record.Hash);
        await insert.ExecuteNonQueryAsync(ct);
        return record;
    }

    /// <summary>The record a <c>WithAudit</c> view appends, made from its write's result.</summary>
    private sealed record PendingAudit(AuditChain Chain, Func<object?, IEnumerable<AuditEvent>> Records);

    /// <summary>Every record in stored (sequence) order, for verification and export.</summary>
    public async IAsyncEnumerable<AuditRecord> ReadAuditAsync(long afterSequence = 0, [EnumeratorCancellation] CancellationToken ct = default)
    {
        const int page = 10_000;
        var next = afterSequence;
        while (true)
        {
            var batch = await ReadAsync(
                async (connection, transaction, ct) =>
                {
                    var list = new List<AuditRecord>(page);
                    await using var command = connection.Command(transaction, $"{AuditColumns} WHERE seq > @after ORDER BY seq LIMIT {page}");
                    command.Add("after", next);
                    await using var reader = await command.ExecuteReaderAsync(ct);
                    while (await reader.ReadAsync(ct))
                    {
                        list.Add(ReadAudit(reader));
                    }

                    return list;
                },
                ct);
            foreach (var record in batch)
            {
                yield return record;
            }

            if (batch.Count < page)
            {
                yield break;
            }

            next = batch[^1].Sequence;
        }
    }

    private const string AuditColumns = "SELECT seq, occurred_at_ticks, actor, action, target, outcome, details, prev_hash, hash FROM audit_log";

    private static AuditRecord ReadAudit(System.Data.Common.DbDataReader r) => new(
        r.GetInt64(0), new DateTimeOffset(r.GetInt64(1), TimeSpan.Zero), r.GetString(2), r.GetString(3), r.GetString(4), r.GetString(5),
        r.GetString(6), r.GetString(7), r.GetString(8));
}
