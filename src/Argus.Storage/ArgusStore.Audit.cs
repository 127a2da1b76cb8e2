using System.Runtime.CompilerServices;
using Argus.Core.Audit;
using Argus.Storage.Sql;

namespace Argus.Storage;

/// <summary>
/// The audit log: one table, appended to only through <see cref="AppendAuditAsync"/>, each record hash-chained to the
/// one before it with the server's key (<see cref="AuditChain"/>). Writers are serialised by the store's change
/// counter, so sequence numbers have no gaps. Time is stored as UTC ticks so that the hash input survives every
/// provider unchanged. Records are never updated or deleted by Argus; retention keeps them at least as long as configured.
/// </summary>
public sealed partial class ArgusStore
{
    /// <summary>Appends one record and returns it with its sequence number and hash.</summary>
    public Task<AuditRecord> AppendAuditAsync(AuditChain chain, AuditEvent e, CancellationToken ct = default) =>
        WriteAsync(
            async (connection, transaction, _) =>
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
            },
            ct);

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
