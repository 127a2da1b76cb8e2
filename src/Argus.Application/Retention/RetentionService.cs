using Argus.Core;
using Argus.Core.Access;
using Argus.Core.Audit;
using Argus.Storage;

namespace Argus.Application.Retention;

public sealed record RetentionResult(
    IReadOnlyList<StoredEntry> Deactivated, AlertRetentionResult AlertsDeleted, int AlertRetentionDays, int AuditRetentionDays, long AuditRecords, DateTimeOffset? AuditOldest)
{
    /// <summary>One line on what happened to alerts, for people.</summary>
    public string AlertsSummary =>
        $"{AlertsDeleted.Alerts} alert(s) raised over {AlertRetentionDays} days ago deleted with {AlertsDeleted.Snapshots} snapshot(s) and {AlertsDeleted.Decisions} decision(s); {AlertsDeleted.DeadLetters} webhook dead letter(s) deleted";
}

/// <summary>
/// Deactivates expired entries (each with a version), and reports what the other retention rules found. The audit log
/// is never shortened: records are kept at least <c>ARGUS_AUDIT_RETENTION_DAYS</c> (default 365), and Argus deletes
/// none at all, because cutting the start of a hash chain needs a signed checkpoint that does not exist yet.
/// </summary>
public sealed class RetentionService(OperationContext context)
{
    public const string AuditRetentionVariable = "ARGUS_AUDIT_RETENTION_DAYS";
    public const string AlertRetentionVariable = "ARGUS_ALERT_RETENTION_DAYS";
    public const int DefaultAuditRetentionDays = 365;
    public const int DefaultAlertRetentionDays = 30;

    public async Task<RetentionResult> RunAsync(Principal actor, CancellationToken ct)
    {
        await context.AuditedAsync(actor.Id, "retention.run", "retention", () => AccessPolicy.Demand(actor, Capability.Configure));
        var auditDays = context.PositiveInt(AuditRetentionVariable, DefaultAuditRetentionDays);
        if (auditDays < DefaultAuditRetentionDays)
        {
            throw new ArgusException("retention.invalid", $"{AuditRetentionVariable} must be at least {DefaultAuditRetentionDays} days.");
        }

        var alertDays = context.PositiveInt(AlertRetentionVariable, DefaultAlertRetentionDays);
        // Each change commits with its records: the deactivated entries with one record each, the deleted alerts with the run's record.
        var expired = await context.AuditedStore<IReadOnlyList<StoredEntry>>(entries => entries.Select(e => AuditEvent.Ok("system", "entry.expired", $"entry:{e.Id}", AuditDetails.Of(
                ("watchlist", e.Watchlist.Name), ("version", e.Entry.Current.Version), ("expiry", e.Entry.LegalBasis.Expiry), ("run_by", actor.Id)))))
            .DeactivateExpiredEntriesAsync(context.Now, ct);
        long count = 0;
        DateTimeOffset? oldest = null;
        await foreach (var r in context.Store.ReadAuditAsync(ct: ct))
        {
            oldest ??= r.OccurredAt;
            count++;
        }

        var deleted = await context.AuditedStore<AlertRetentionResult>(deleted => AuditEvent.Ok(actor.Id, "retention.ran", "retention", AuditDetails.Of(
                ("entries_deactivated", expired.Count), ("alert_retention_days", alertDays), ("audit_retention_days", auditDays),
                ("audit_records_deleted", 0), ("alerts_deleted", deleted.Alerts), ("snapshots_deleted", deleted.Snapshots),
                ("decisions_deleted", deleted.Decisions), ("dead_letters_deleted", deleted.DeadLetters))))
            .DeleteAlertsBeforeAsync(context.Now.AddDays(-alertDays), ct);
        return new RetentionResult(expired, deleted, alertDays, auditDays, count, oldest);
    }
}
