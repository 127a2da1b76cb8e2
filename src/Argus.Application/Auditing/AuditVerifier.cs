using Argus.Core.Audit;
using Argus.Storage;

namespace Argus.Application.Auditing;

/// <summary>
/// Verifies the audit chain as it grows, so that nobody has to re-read a million records to know it is intact: a
/// signed mark in the store (<see cref="AuditVerificationMark"/>) says how far every record has been checked, and each
/// call checks only the records after it, starting by confirming that the marked record still carries the hash it was
/// verified with (a log cut or rewritten at or before the mark fails there). The server's audit sweep calls it every
/// few seconds and makes a pass from the first record every <c>ARGUS_AUDIT_FULL_VERIFY_HOURS</c> (default 24): that
/// pass is what finds a record edited after it was checked. The transparency report calls it before it reports, so a
/// report costs the records written since the last sweep, not the whole log. A break is sticky: the mark keeps it
/// until a full pass (<c>argus audit verify</c>, or the daily pass) finds the chain intact again, for example after a
/// restore. A mark whose MAC is not this key's is ignored and verification starts again from the first record.
/// </summary>
public sealed class AuditVerifier(ArgusStore store, AuditChain chain, TimeProvider time)
{
    /// <summary>Hours between passes from the first record in the server's sweep.</summary>
    public const string FullPassHoursVariable = "ARGUS_AUDIT_FULL_VERIFY_HOURS";

    // Progress is saved every this many records, so an interrupted catch-up of a large log is not lost.
    private const int SaveEvery = 200_000;

    // One verification at a time per store in this process; another process (the CLI) may verify beside it, and
    // either mark it writes is one that was checked.
    private static readonly SemaphoreSlim Running = new(1, 1);

    /// <summary>
    /// Checks the records written since the mark (all of them when <paramref name="fullPass"/>, or when there is no
    /// valid mark), moves the mark and returns it.
    /// </summary>
    public async Task<AuditVerificationMark> AdvanceAsync(bool fullPass, CancellationToken ct)
    {
        await Running.WaitAsync(ct);
        try
        {
            var mark = await store.GetAuditVerificationAsync(ct);
            if (mark is not null && !chain.CheckVerification(mark))
            {
                mark = null;
            }

            if (mark is { BrokenSequence: not null } && !fullPass)
            {
                return mark;
            }

            var fullPassAt = mark?.FullPassAt;
            AuditRecord? previous = null;
            if (!fullPass && mark is { Sequence: > 0 })
            {
                previous = await store.GetAuditRecordAsync(mark.Sequence, ct);
                if (previous is null)
                {
                    return await SaveAsync(mark.Sequence - 1, mark.Hash, fullPassAt, mark.Sequence, "the record verified last is gone: records were deleted at or before it", ct);
                }

                if (!string.Equals(previous.Hash, mark.Hash, StringComparison.Ordinal))
                {
                    return await SaveAsync(mark.Sequence - 1, mark.Hash, fullPassAt, mark.Sequence, "the record verified last has another hash now: the log was rewritten", ct);
                }
            }

            var checkedSince = 0;
            await foreach (var r in store.ReadAuditAsync(previous?.Sequence ?? 0, ct))
            {
                if (chain.Check(previous, r) is { } reason)
                {
                    return await SaveAsync(previous?.Sequence ?? 0, previous?.Hash ?? AuditChain.GenesisHash, fullPassAt, r.Sequence, reason, ct);
                }

                previous = r;
                if (++checkedSince == SaveEvery && !fullPass)
                {
                    await SaveAsync(r.Sequence, r.Hash, fullPassAt, null, null, ct);
                    checkedSince = 0;
                }
            }

            // Nothing new since the mark: no write (the sweep calls this every few seconds on an idle system too).
            if (!fullPass && mark is not null && (previous?.Sequence ?? 0) == mark.Sequence)
            {
                return mark;
            }

            return await SaveAsync(
                previous?.Sequence ?? 0, previous?.Hash ?? AuditChain.GenesisHash, fullPass ? time.GetUtcNow() : fullPassAt, null, null, ct);
        }
        finally
        {
            Running.Release();
        }
    }

    /// <summary>
    /// Records what a pass from the first record found elsewhere (<c>argus audit verify</c> reads every record itself):
    /// intact up to the last of <paramref name="records"/>, or broken at the result's first break.
    /// </summary>
    public async Task RecordFullPassAsync(AuditVerification result, IReadOnlyList<AuditRecord> records, CancellationToken ct)
    {
        await Running.WaitAsync(ct);
        try
        {
            var now = time.GetUtcNow();
            if (result.FirstBreak is { } b)
            {
                var before = b.Position >= 2 && b.Position - 2 < records.Count ? records[(int)b.Position - 2] : null;
                await SaveAsync(before?.Sequence ?? 0, before?.Hash ?? AuditChain.GenesisHash, now, b.Sequence, b.Reason, ct);
            }
            else
            {
                await SaveAsync(records.Count == 0 ? 0 : records[^1].Sequence, records.Count == 0 ? AuditChain.GenesisHash : records[^1].Hash, now, null, null, ct);
            }
        }
        finally
        {
            Running.Release();
        }
    }

    private async Task<AuditVerificationMark> SaveAsync(long sequence, string hash, DateTimeOffset? fullPassAt, long? broken, string? reason, CancellationToken ct)
    {
        var mark = new AuditVerificationMark(sequence, hash, time.GetUtcNow(), fullPassAt, broken, reason, "");
        mark = mark with { Mac = chain.SignVerification(mark) };
        await store.SaveAuditVerificationAsync(mark, ct);
        return mark;
    }
}
