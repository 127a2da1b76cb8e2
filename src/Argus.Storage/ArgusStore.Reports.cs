using System.Globalization;
using System.Runtime.CompilerServices;
using Argus.Core.Audit;
using Argus.Core.Purposes;
using Argus.Storage.Sql;

namespace Argus.Storage;

/// <summary>Searches of a period counted by purpose, authorisation and outcome (no row leaves the database).</summary>
public sealed record SearchCounts(SearchPurpose Purpose, AuthorisationStatus Status, bool WithCandidates, bool Overdue, bool AuthorisedLate, long Count);

/// <summary>
/// What the transparency report reads, as aggregates and index range scans, so that its cost follows the period
/// asked for and not the size of the whole store: search counts grouped in SQL, the audit log's head and size, and
/// the audit records of a period streamed in sequence order (never held in memory all at once).
/// </summary>
public sealed partial class ArgusStore
{
    /// <summary>Searches performed in [<paramref name="from"/>, <paramref name="to"/>) counted by purpose, status, outcome, overdue (as of <paramref name="now"/>) and late authorisation.</summary>
    public Task<IReadOnlyList<SearchCounts>> SummariseSearchesAsync(DateTimeOffset from, DateTimeOffset to, DateTimeOffset now, CancellationToken ct = default) =>
        ReadAsync<IReadOnlyList<SearchCounts>>(
            async (connection, transaction, ct) =>
            {
                await using var command = connection.Command(
                    transaction,
                    """
                    SELECT purpose, authorisation_status, CASE WHEN candidates > 0 THEN 1 ELSE 0 END,
                      CASE WHEN authorisation_status = 'Pending' AND authorisation_due_ticks < @now THEN 1 ELSE 0 END,
                      CASE WHEN authorisation_status = 'Authorised' AND authorisation_due_ticks IS NOT NULL AND authorised_at_ticks > authorisation_due_ticks THEN 1 ELSE 0 END,
                      COUNT(*)
                    FROM searches WHERE performed_at_ticks >= @a AND performed_at_ticks < @b
                    GROUP BY 1, 2, 3, 4, 5
                    """);
                command.Add("a", from.UtcTicks).Add("b", to.UtcTicks).Add("now", now.UtcTicks);
                await using var reader = await command.ExecuteReaderAsync(ct);
                var list = new List<SearchCounts>();
                while (await reader.ReadAsync(ct))
                {
                    list.Add(new SearchCounts(
                        Enum.Parse<SearchPurpose>(reader.GetString(0)), Enum.Parse<AuthorisationStatus>(reader.GetString(1)),
                        Convert.ToInt64(reader.GetValue(2), CultureInfo.InvariantCulture) == 1, Convert.ToInt64(reader.GetValue(3), CultureInfo.InvariantCulture) == 1,
                        Convert.ToInt64(reader.GetValue(4), CultureInfo.InvariantCulture) == 1, Convert.ToInt64(reader.GetValue(5), CultureInfo.InvariantCulture)));
                }

                return list;
            },
            ct);

    /// <summary>How many audit records there are and the last one (the head), null when the log is empty.</summary>
    public Task<(long Count, AuditRecord? Head)> AuditHeadAsync(CancellationToken ct = default) =>
        ReadAsync<(long, AuditRecord?)>(
            async (connection, transaction, ct) =>
            {
                long count;
                await using (var c = connection.Command(transaction, "SELECT COUNT(*) FROM audit_log"))
                {
                    count = await c.ScalarInt64Async(ct);
                }

                await using var last = connection.Command(transaction, $"{AuditColumns} ORDER BY seq DESC LIMIT 1");
                await using var reader = await last.ExecuteReaderAsync(ct);
                return (count, await reader.ReadAsync(ct) ? ReadAudit(reader) : null);
            },
            ct);

    /// <summary>The last audit record before <paramref name="time"/> (the one a period's first record chains to), or null.</summary>
    public Task<AuditRecord?> LastAuditBeforeAsync(DateTimeOffset time, CancellationToken ct = default) =>
        ReadAsync<AuditRecord?>(
            async (connection, transaction, ct) =>
            {
                await using var command = connection.Command(
                    transaction, $"{AuditColumns} WHERE seq = (SELECT MAX(seq) FROM audit_log WHERE occurred_at_ticks < @t)");
                command.Add("t", time.UtcTicks);
                await using var reader = await command.ExecuteReaderAsync(ct);
                return await reader.ReadAsync(ct) ? ReadAudit(reader) : null;
            },
            ct);

    /// <summary>Records of one action in [<paramref name="from"/>, <paramref name="to"/>), in sequence order (an index range scan).</summary>
    public async IAsyncEnumerable<AuditRecord> ReadAuditByActionAsync(string action, DateTimeOffset from, DateTimeOffset to, [EnumeratorCancellation] CancellationToken ct = default)
    {
        var batch = await ReadAsync<List<AuditRecord>>(
            async (connection, transaction, ct) =>
            {
                await using var command = connection.Command(
                    transaction, $"{AuditColumns} WHERE action = @a AND occurred_at_ticks >= @f AND occurred_at_ticks < @t ORDER BY seq");
                command.Add("a", action).Add("f", from.UtcTicks).Add("t", to.UtcTicks);
                await using var reader = await command.ExecuteReaderAsync(ct);
                var list = new List<AuditRecord>();
                while (await reader.ReadAsync(ct))
                {
                    list.Add(ReadAudit(reader));
                }

                return list;
            },
            ct);
        foreach (var r in batch)
        {
            yield return r;
        }
    }
}
