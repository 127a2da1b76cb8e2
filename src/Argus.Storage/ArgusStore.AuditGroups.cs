using System.Data.Common;
using System.Text.Json.Nodes;
using Argus.Core.Audit;
using Argus.Storage.Sql;

namespace Argus.Storage;

/// <summary>
/// How repeated identical events are recorded: one group per key, open for at most <see cref="Window"/> from its first
/// event and closed earlier after <see cref="IdleGap"/> without one. <see cref="RecordFirst"/>: the first event is
/// chained at once (a refusal is visible the moment it happens) and the close adds a summary only when it repeated;
/// otherwise the group is chained once, as one record, when it closes (a viewing session).
/// </summary>
public sealed record AuditGroupPolicy(TimeSpan Window, TimeSpan IdleGap, bool RecordFirst);

/// <summary>
/// Audit groups. A group's running count lives in <c>audit_groups</c>, updated in the same serialised write as any
/// audit append, and becomes one ordinary chained record when it closes: on the next event after its window, on
/// <see cref="CloseAuditGroupsAsync"/> (the server's sweep, shutdown, start-up after a crash). The chain therefore only
/// ever receives appended records with their real close time; nothing chained is ever rewritten to bump a count.
/// </summary>
public sealed partial class ArgusStore
{
    /// <summary>Longest group key kept (keys are built from request data such as an address).</summary>
    public const int MaxGroupKeyLength = 512;

    /// <summary>
    /// Counts <paramref name="count"/> occurrences of <paramref name="e"/> in the group <paramref name="key"/>, opening
    /// it (and, under <see cref="AuditGroupPolicy.RecordFirst"/>, chaining <paramref name="e"/> at once) when none is
    /// open. Returns the record chained now, if any (the opening record, or the summary of an expired group).
    /// </summary>
    public async Task<AuditRecord?> AppendGroupedAuditAsync(AuditChain chain, string key, AuditEvent e, AuditGroupPolicy policy, long count = 1, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(chain);
        ArgumentNullException.ThrowIfNull(e);
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        key = AuditChain.Cap(key, MaxGroupKeyLength);
        var appended = await WriteAsync(
            async (connection, transaction, _) =>
            {
                var now = _time.GetUtcNow();
                AuditRecord? last = null;
                var open = await ReadGroupAsync(connection, transaction, key, ct);
                if (open is { } g && (now.UtcTicks >= g.ClosesAt || now.UtcTicks - g.LastTicks >= g.IdleTicks))
                {
                    last = await CloseGroupAsync(connection, transaction, chain, g, ct) ?? last;
                    open = null;
                }

                if (open is not null)
                {
                    await using var bump = connection.Command(transaction, "UPDATE audit_groups SET event_count = event_count + @n, last_ticks = @t WHERE group_key = @k");
                    bump.Add("n", count).Add("t", now.UtcTicks).Add("k", key);
                    await bump.ExecuteNonQueryAsync(ct);
                    return last;
                }

                long? opened = null;
                if (policy.RecordFirst)
                {
                    last = await AppendAuditAsync(connection, transaction, chain, e, ct);
                    opened = last.Sequence;
                }

                await using var insert = connection.Command(
                    transaction,
                    """
                    INSERT INTO audit_groups (group_key, actor, action, target, outcome, details, event_count, first_ticks, last_ticks, closes_at_ticks, idle_ticks, opened_seq)
                    VALUES (@k, @a, @c, @g, @o, @d, @n, @t, @t, @x, @i, @s)
                    """);
                insert.Add("k", key).Add("a", AuditChain.Cap(e.Actor)).Add("c", AuditChain.Cap(e.Action)).Add("g", AuditChain.Cap(e.Target))
                    .Add("o", AuditChain.Cap(e.Outcome)).Add("d", e.Details.Length <= AuditChain.MaxDetailsLength ? e.Details : "")
                    .Add("n", count).Add("t", now.UtcTicks).Add("x", (now + policy.Window).UtcTicks).Add("i", policy.IdleGap.Ticks).Add("s", opened);
                await insert.ExecuteNonQueryAsync(ct);
                return last;
            },
            ct);
        await NotifyAuditAsync(appended);
        return appended;
    }

    /// <summary>
    /// Closes the groups whose window or idle gap has passed (<paramref name="all"/>: every group, at shutdown and at
    /// start-up) and chains one summary record for each that needs one; returns how many records were chained.
    /// </summary>
    public async Task<int> CloseAuditGroupsAsync(AuditChain chain, bool all = false, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(chain);
        var (closed, last) = await WriteAsync(
            async (connection, transaction, _) =>
            {
                var now = _time.GetUtcNow().UtcTicks;
                var due = new List<OpenGroup>();
                await using (var read = connection.Command(transaction, $"{GroupColumns} ORDER BY first_ticks, group_key"))
                {
                    await using var reader = await read.ExecuteReaderAsync(ct);
                    while (await reader.ReadAsync(ct))
                    {
                        var g = ReadGroup(reader);
                        if (all || now >= g.ClosesAt || now - g.LastTicks >= g.IdleTicks)
                        {
                            due.Add(g);
                        }
                    }
                }

                var chained = 0;
                AuditRecord? last = null;
                foreach (var g in due)
                {
                    if (await CloseGroupAsync(connection, transaction, chain, g, ct) is { } r)
                    {
                        chained++;
                        last = r;
                    }
                }

                return (chained, last);
            },
            ct);
        await NotifyAuditAsync(last);
        return closed;
    }

    /// <summary>The groups still open (count so far, first and last time), for the console and tests.</summary>
    public Task<IReadOnlyList<OpenAuditGroup>> ListOpenAuditGroupsAsync(CancellationToken ct = default) =>
        ReadAsync<IReadOnlyList<OpenAuditGroup>>(
            async (connection, transaction, ct) =>
            {
                var list = new List<OpenAuditGroup>();
                await using var read = connection.Command(transaction, $"{GroupColumns} ORDER BY first_ticks, group_key");
                await using var reader = await read.ExecuteReaderAsync(ct);
                while (await reader.ReadAsync(ct))
                {
                    var g = ReadGroup(reader);
                    list.Add(new OpenAuditGroup(g.Key, g.Actor, g.Action, g.Target, g.Outcome, g.Count,
                        new DateTimeOffset(g.FirstTicks, TimeSpan.Zero), new DateTimeOffset(g.LastTicks, TimeSpan.Zero), g.OpenedSequence));
                }

                return list;
            },
            ct);

    private async Task<AuditRecord?> CloseGroupAsync(DbConnection connection, DbTransaction transaction, AuditChain chain, OpenGroup g, CancellationToken ct)
    {
        await using (var delete = connection.Command(transaction, "DELETE FROM audit_groups WHERE group_key = @k"))
        {
            delete.Add("k", g.Key);
            await delete.ExecuteNonQueryAsync(ct);
        }

        // Opened by a chained record and never repeated: that record already says everything.
        if (g.OpenedSequence is not null && g.Count == 1)
        {
            return null;
        }

        var fields = new List<(string, object?)>();
        if (g.Details.Length > 0 && JsonNode.Parse(g.Details) is JsonObject details)
        {
            foreach (var (k, v) in details)
            {
                fields.Add((k, v?.DeepClone()));
            }
        }

        fields.RemoveAll(f => f.Item1 is "count" or "first" or "last" or "opened_by");
        fields.Add(("count", g.Count));
        fields.Add(("first", new DateTimeOffset(g.FirstTicks, TimeSpan.Zero)));
        fields.Add(("last", new DateTimeOffset(g.LastTicks, TimeSpan.Zero)));
        fields.Add(("opened_by", g.OpenedSequence));
        return await AppendAuditAsync(connection, transaction, chain, new AuditEvent(g.Actor, g.Action, g.Target, g.Outcome, AuditDetails.Of([.. fields])), ct);
    }

    private static async Task<OpenGroup?> ReadGroupAsync(DbConnection connection, DbTransaction transaction, string key, CancellationToken ct)
    {
        await using var read = connection.Command(transaction, $"{GroupColumns} WHERE group_key = @k");
        read.Add("k", key);
        await using var reader = await read.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? ReadGroup(reader) : null;
    }

    private const string GroupColumns =
        "SELECT group_key, actor, action, target, outcome, details, event_count, first_ticks, last_ticks, closes_at_ticks, idle_ticks, opened_seq FROM audit_groups";

    private static OpenGroup ReadGroup(DbDataReader r) => new(
        r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), r.GetString(5),
        r.GetInt64(6), r.GetInt64(7), r.GetInt64(8), r.GetInt64(9), r.GetInt64(10), r.IsDBNull(11) ? null : r.GetInt64(11));

    private sealed record OpenGroup(
        string Key, string Actor, string Action, string Target, string Outcome, string Details, long Count, long FirstTicks, long LastTicks, long ClosesAt, long IdleTicks, long? OpenedSequence);
}

/// <summary>An audit group not yet closed: what repeats, how often so far, since when, and the record that opened it (if any).</summary>
public sealed record OpenAuditGroup(string Key, string Actor, string Action, string Target, string Outcome, long Count, DateTimeOffset First, DateTimeOffset Last, long? OpenedSequence);
