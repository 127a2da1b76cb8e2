using System.Globalization;
using Argus.Core.Audit;
using Argus.Core.Purposes;
using Argus.Storage.Sql;

namespace Argus.Storage;

/// <summary>Searches of a period counted by purpose, authorisation and outcome (no row leaves the database).</summary>
public sealed record SearchCounts(SearchPurpose Purpose, AuthorisationStatus Status, bool WithCandidates, bool Overdue, bool AuthorisedLate, long Count);

/// <summary>
/// What the transparency report reads, as aggregates over index range scans: search counts, audit records counted in
/// a period, and the per-user, per-day counts the abuse rules read. No record leaves the database, so a year of a
/// million audit records costs a few queries, not a million reads.
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

    /// <summary>Audit records in [<paramref name="from"/>, <paramref name="to"/>), and those of them that are successful <paramref name="action"/>s.</summary>
    public Task<(long Records, long Actions)> CountAuditAsync(DateTimeOffset from, DateTimeOffset to, string action, CancellationToken ct = default) =>
        ReadAsync<(long, long)>(
            async (connection, transaction, ct) =>
            {
                await using var all = connection.Command(transaction, "SELECT COUNT(*) FROM audit_log WHERE occurred_at_ticks >= @f AND occurred_at_ticks < @t");
                all.Add("f", from.UtcTicks).Add("t", to.UtcTicks);
                var records = await all.ScalarInt64Async(ct);
                await using var some = connection.Command(
                    transaction, "SELECT COUNT(*) FROM audit_log WHERE action = @a AND occurred_at_ticks >= @f AND occurred_at_ticks < @t AND outcome = 'ok'");
                some.Add("a", action).Add("f", from.UtcTicks).Add("t", to.UtcTicks);
                return (records, await some.ScalarInt64Async(ct));
            },
            ct);

    /// <summary>
    /// What the abuse rules read, counted per user and day (days in the rules' time zone) by the database from the
    /// audit records themselves: successful searches in [<paramref name="baselineFrom"/>, <paramref name="to"/>) with
    /// those outside working hours, and in [<paramref name="from"/>, <paramref name="to"/>) scope refusals, probes
    /// searched repeatedly without a candidate, and bulk exports. Index range scans by action, outcome and time; no
    /// record leaves the database. The repeated-face count reads the partial index of searches that found no candidate
    /// (migration 15: their probe, computed once at insert), so no search record's details are parsed at report time.
    /// (The unary <c>+</c> on the exports' time keeps both databases on the action index: exports are few, the period's
    /// records many.)
    /// </summary>
    public async Task<IReadOnlyList<AbuseDayCounts>> CountAbuseDaysAsync(
        DateTimeOffset baselineFrom, DateTimeOffset from, DateTimeOffset to, AbuseRules rules, CancellationToken ct = default)
    {
        const string day = "((occurred_at_ticks + @tz) / 864000000000)";
        const string timeOfDay = "((occurred_at_ticks + @tz) % 864000000000)";
        var keep = _dialect.KeepSubquery;
        string Parsed(string where) =>
            $"(SELECT actor, occurred_at_ticks, {_dialect.JsonDocument("details")} AS j FROM audit_log WHERE {where}{keep}) AS r";
        string Member(string key) => _dialect.JsonText("j", key);
        var queries = new (int Slot, string Sql)[]
        {
            (0, $"""
                SELECT actor, {day}, COUNT(*), SUM(CASE WHEN {timeOfDay} >= @ws AND {timeOfDay} < @we THEN 0 ELSE 1 END)
                FROM audit_log WHERE action = '{AbuseDetector.SearchAction}' AND occurred_at_ticks >= @b AND occurred_at_ticks < @t AND outcome = 'ok'
                GROUP BY 1, 2
                """),
            (2, $"""
                SELECT actor, {day}, COUNT(*), 0
                FROM {Parsed("outcome = 'refused' AND occurred_at_ticks >= @f AND occurred_at_ticks < @t")}
                WHERE {Member("reason")} = 'scope'
                GROUP BY 1, 2
                """),
            (3, $"""
                SELECT actor, d, COUNT(*), 0 FROM (
                  SELECT actor, {day} AS d, unanswered_probe FROM audit_log
                  WHERE unanswered_probe IS NOT NULL AND occurred_at_ticks >= @f AND occurred_at_ticks < @t
                  GROUP BY 1, 2, 3 HAVING COUNT(*) >= @repeat) AS repeated
                GROUP BY actor, d
                """),
            (4, $"""
                SELECT actor, {day}, COUNT(*), 0
                FROM {Parsed("action >= 'export.' AND action < 'export/' AND +occurred_at_ticks >= @f AND +occurred_at_ticks < @t")}
                WHERE {WholeNumber(Member("records"))} >= @bulk
                GROUP BY 1, 2
                """),
        };

        // Each query on its own connection, at once: the parsing of the details is most of the cost, and it spreads
        // over the cores (PostgreSQL backends, SQLite readers beside the WAL).
        var rows = await Task.WhenAll(queries.Select(q => ReadAsync<List<(int Slot, string Actor, int Day, int Count, int Extra)>>(
            async (connection, transaction, ct) =>
            {
                await using var command = connection.Command(transaction, q.Sql);
                command.Add("tz", rules.TimeZoneOffset.Ticks).Add("ws", rules.WorkStart.Ticks).Add("we", rules.WorkEnd.Ticks)
                    .Add("b", baselineFrom.UtcTicks).Add("f", from.UtcTicks).Add("t", to.UtcTicks)
                    .Add("repeat", rules.RepeatedFaceSearches).Add("bulk", (long)rules.BulkExportRecords);
                await using var reader = await command.ExecuteReaderAsync(ct);
                var list = new List<(int, string, int, int, int)>();
                while (await reader.ReadAsync(ct))
                {
                    list.Add((q.Slot, reader.GetString(0), (int)Convert.ToInt64(reader.GetValue(1), CultureInfo.InvariantCulture),
                        Convert.ToInt32(reader.GetValue(2), CultureInfo.InvariantCulture), Convert.ToInt32(reader.GetValue(3), CultureInfo.InvariantCulture)));
                }

                return list;
            },
            ct)));

        var days = new Dictionary<(string Actor, int Day), int[]>();
        foreach (var (slot, actor, dayNumber, count, extra) in rows.SelectMany(r => r))
        {
            if (!days.TryGetValue((actor, dayNumber), out var counts))
            {
                days[(actor, dayNumber)] = counts = new int[5];
            }

            counts[slot] += count;
            counts[1] += slot == 0 ? extra : 0;
        }

        return [.. days.Select(d => new AbuseDayCounts(d.Key.Actor, DateOnly.FromDayNumber(d.Key.Day), d.Value[0], d.Value[1], d.Value[2], d.Value[3], d.Value[4]))];
    }

    /// <summary>A text expression as a whole number, NULL when it is not one (as <c>long.TryParse</c> reads it).</summary>
    private string WholeNumber(string text) => _dialect.Provider == StorageProvider.Postgres
        ? $"(CASE WHEN {text} ~ '^-?[0-9]{{1,18}}$' THEN CAST({text} AS bigint) END)"
        : $"(CASE WHEN {text} NOT GLOB '*[^0-9-]*' AND {text} <> '' THEN CAST({text} AS INTEGER) END)";
}
