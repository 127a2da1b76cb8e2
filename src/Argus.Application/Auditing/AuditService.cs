using System.Globalization;
using Argus.Core;
using Argus.Core.Access;
using Argus.Core.Audit;
using Argus.Storage;

namespace Argus.Application.Auditing;

/// <summary>The chain's verification (anyone holding the key) and reading its content (auditors, itself audited).</summary>
public sealed class AuditService(OperationContext context)
{
    /// <summary>
    /// The verification of the whole chain, with its head (sequence:hash) to keep elsewhere, and the head checkpoint it
    /// was compared with (<see cref="Checkpoint"/>: null when there is none yet or checkpoints are off).
    /// </summary>
    public sealed record Verification(AuditVerification Result, int Records, string? Head, AuditHead? Checkpoint = null, string? CheckpointPath = null);

    /// <summary>Audit flags for a day, and urgent searches whose authorisation is overdue (not tied to the day).</summary>
    public sealed record Flags(DateOnly Day, IReadOnlyList<AbuseFlag> Found, IReadOnlyList<SearchRecord> Overdue);

    /// <summary>
    /// Verifies the chain, against <paramref name="head"/> when given and always against the latest head checkpoint
    /// (<see cref="AuditCheckpoint"/>): a log that ends before the checkpoint, or whose record at the checkpoint has
    /// another hash, is broken, so a cut tail or a wiped database is caught without a hand-kept head. A checkpoint that
    /// is not this key's (edited, forged) is <c>audit.checkpoint_invalid</c>.
    /// </summary>
    public async Task<Verification> VerifyAsync(string? head, CancellationToken ct)
    {
        var expected = ParseHead(head);
        var path = AuditCheckpoint.PathFor(context.Store, context.Setting);
        var checkpoint = path is null ? null : AuditCheckpoint.Read(path, context.AuditChain);
        if (checkpoint is not null && checkpoint.Store != context.Store.Target)
        {
            throw new ArgusException("audit.checkpoint_invalid", $"The audit checkpoint {path} is of another store ({checkpoint.Store}).");
        }

        var records = await ReadAllAsync(ct);
        var result = context.AuditChain.Verify(records, expected);
        if (result.Intact && checkpoint is not null)
        {
            result = context.AuditChain.Verify(records, (checkpoint.Sequence, checkpoint.Hash));
            if (!result.Intact)
            {
                result = result with { FirstBreak = result.FirstBreak! with { Reason = $"{result.FirstBreak.Reason} (checkpoint {path}, written {checkpoint.WrittenAt:yyyy-MM-dd HH:mm:ss}Z)" } };
            }
        }

        await new AuditVerifier(context.Store, context.AuditChain, context.Time).RecordFullPassAsync(result, records, ct);
        return new Verification(result, records.Count, records.Count == 0 ? null : $"{records[^1].Sequence}:{records[^1].Hash}", checkpoint, path);
    }

    /// <summary>The last <paramref name="last"/> records matching the filters, newest last (auditors).</summary>
    public async Task<IReadOnlyList<AuditRecord>> ListAsync(Principal actor, string? actorFilter, string? actionPrefix, int last, CancellationToken ct)
    {
        await RequireAuditorAsync(actor, "audit.list", ct);

        // Groups whose window has passed are chained first, so the auditor sees their counts.
        await context.Store.CloseAuditGroupsAsync(context.AuditChain, all: false, ct);
        var selected = new Queue<AuditRecord>();
        await foreach (var r in context.Store.ReadAuditAsync(ct: ct))
        {
            if ((actorFilter is not { } a || r.Actor == a) && (actionPrefix is not { } p || r.Action.StartsWith(p, StringComparison.Ordinal)))
            {
                selected.Enqueue(r);
                if (selected.Count > Math.Max(1, last))
                {
                    selected.Dequeue();
                }
            }
        }

        return [.. selected];
    }

    /// <summary>
    /// The records matching <paramref name="query"/>, newest first, for the auditor's view and its export. The reading
    /// is itself audited with the filters it used (<c>audit.list</c>, or <c>audit.export</c> when
    /// <paramref name="export"/>).
    /// </summary>
    public async Task<IReadOnlyList<AuditRecord>> QueryAsync(Principal actor, AuditQuery query, bool export, CancellationToken ct)
    {
        var action = export ? "audit.export" : "audit.list";
        await context.AuditedAsync(actor.Id, action, "audit", () => AccessPolicy.Demand(actor, Capability.ReadAudit));
        if (query.Outcome is { } o && o is not ("ok" or "refused" or "failed"))
        {
            throw new ArgusException("argument.invalid", "outcome must be ok, refused or failed.");
        }

        if (query.From is { } from && query.To is { } to && to <= from)
        {
            throw new ArgusException("argument.invalid", "to must be after from.");
        }

        var records = await context.Store.QueryAuditAsync(query, ct);
        await context.AuditAsync(AuditEvent.Ok(actor.Id, action, "audit", AuditDetails.Of(
            ("actor", query.Actor), ("action", query.Action), ("outcome", query.Outcome), ("target", query.Target), ("from", query.From), ("to", query.To),
            ("before", query.BeforeSequence), ("records", records.Count))), ct);
        return records;
    }

    /// <summary>Insider-abuse flags for <paramref name="day"/> (YYYY-MM-DD; default today), auditors only.</summary>
    public async Task<Flags> FlagsAsync(Principal actor, string? day, CancellationToken ct)
    {
        var date = day is { } d
            ? DateOnly.TryParseExact(d, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed) ? parsed : throw new ArgusException("argument.invalid", "--day must be YYYY-MM-DD.")
            : DateOnly.FromDateTime(context.Now.UtcDateTime);
        await RequireAuditorAsync(actor, "audit.flags", ct);
        var records = await ReadAllAsync(ct);
        return new Flags(date, AbuseDetector.Detect(records, date), await context.Store.ListOverdueSearchesAsync(context.Now, ct));
    }

    internal async Task<List<AuditRecord>> ReadAllAsync(CancellationToken ct)
    {
        var records = new List<AuditRecord>();
        await foreach (var r in context.Store.ReadAuditAsync(ct: ct))
        {
            records.Add(r);
        }

        return records;
    }

    /// <summary>
    /// Reading the log's content (who searched what) is the auditor's: the reading itself is audited. Verification
    /// stays open to anyone holding the key, since it shows only whether the chain is intact and its head.
    /// </summary>
    private async Task RequireAuditorAsync(Principal actor, string action, CancellationToken ct)
    {
        await context.AuditedAsync(actor.Id, action, "audit", () => AccessPolicy.Demand(actor, Capability.ReadAudit));
        await context.AuditAsync(AuditEvent.Ok(actor.Id, action, "audit"), ct);
    }

    private static (long, string)? ParseHead(string? head)
    {
        if (head is null)
        {
            return null;
        }

        var parts = head.Split(':');
        return parts.Length == 2 && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var seq) && parts[1].Length == 64
            ? (seq, parts[1])
            : throw new ArgusException("argument.invalid", "--head must be SEQUENCE:HASH as printed by `argus audit verify`.");
    }
}
