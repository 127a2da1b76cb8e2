namespace Argus.Core.Audit;

/// <summary>
/// One entry of the append-only audit log. <see cref="Details"/> is a JSON object with what the action needs to be
/// understood later (ids, counts, purpose, the probe image's SHA-256) and never images, embeddings or credentials.
/// </summary>
/// <param name="Sequence">1, 2, 3, … with no gaps: a gap means deleted records.</param>
/// <param name="OccurredAt">When the action happened (UTC).</param>
/// <param name="Actor">User id, API key id, or <c>system</c>.</param>
/// <param name="Action">Stable action code, e.g. <c>search.performed</c>, <c>entry.approved</c>.</param>
/// <param name="Target">What was acted on, e.g. <c>watchlist:7</c>; empty when nothing.</param>
/// <param name="Outcome"><c>ok</c>, <c>refused</c> or <c>failed</c>.</param>
/// <param name="Details">Canonical JSON object (keys sorted, no whitespace) or empty.</param>
/// <param name="PreviousHash">Hash of the previous record (hex), or the chain's anchor for the first.</param>
/// <param name="Hash">HMAC-SHA256 over the previous hash and this record's canonical bytes (hex).</param>
public sealed record AuditRecord(
    long Sequence,
    DateTimeOffset OccurredAt,
    string Actor,
    string Action,
    string Target,
    string Outcome,
    string Details,
    string PreviousHash,
    string Hash);

/// <summary>What is about to be recorded; the chain assigns sequence and hashes.</summary>
public sealed record AuditEvent(string Actor, string Action, string Target, string Outcome, string Details)
{
    public static AuditEvent Ok(string actor, string action, string target, string details = "") => new(actor, action, target, "ok", details);

    public static AuditEvent Refused(string actor, string action, string target, string details = "") => new(actor, action, target, "refused", details);

    /// <summary>
    /// The record of an operation that <paramref name="refusal"/> refused: details <c>code</c>, <c>reason</c> and, when
    /// <paramref name="withMessage"/>, <c>message</c>. The reason is <see cref="ReasonOf"/>: what the abuse detector counts.
    /// </summary>
    public static AuditEvent Refusal(string actor, string action, string target, ArgusException refusal, bool withMessage = true) =>
        Refused(actor, action, target, withMessage
            ? AuditDetails.Of(("code", refusal.Code), ("reason", ReasonOf(refusal)), ("message", refusal.Message))
            : AuditDetails.Of(("code", refusal.Code), ("reason", ReasonOf(refusal))));

    /// <summary>
    /// The <c>reason</c> a refusal is recorded with: <see cref="AbuseDetector.ScopeReason"/> for a scope refusal (from
    /// the exception's typed <see cref="ArgusException.Reason"/>, never its message), else the refusal's code.
    /// </summary>
    public static string ReasonOf(ArgusException refusal) => refusal.Reason == RefusalReason.Scope ? AbuseDetector.ScopeReason : refusal.Code;
}

/// <summary>
/// How far the chain has been verified record by record: every record up to <see cref="Sequence"/> (whose hash was
/// <see cref="Hash"/>) chained and matched its content when it was checked. <see cref="FullPassAt"/> is when a pass
/// from the first record last completed (edits made to old records after they were checked are found by such a pass).
/// Once <see cref="BrokenSequence"/> is set the mark never moves again: the break stays on record until an operator
/// deals with it. Signed with the audit key (<see cref="AuditChain.SignVerification"/>), so a mark written without the
/// key is ignored.
/// </summary>
/// <param name="Sequence">The last verified record (0: none yet).</param>
/// <param name="Hash">That record's hash.</param>
/// <param name="CheckedAt">When the mark was last moved.</param>
/// <param name="FullPassAt">When a verification from the first record last completed, or null.</param>
/// <param name="BrokenSequence">The first record found not to follow its predecessor, or null.</param>
/// <param name="BrokenReason">Why it does not follow, or null.</param>
/// <param name="Mac">HMAC-SHA256 of the above under the audit key.</param>
public sealed record AuditVerificationMark(
    long Sequence, string Hash, DateTimeOffset CheckedAt, DateTimeOffset? FullPassAt, long? BrokenSequence, string? BrokenReason, string Mac);
