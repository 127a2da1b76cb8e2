using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Argus.Core;
using Argus.Core.Access;
using Argus.Core.Audit;

namespace Argus.Cli.Commands;

/// <summary>
/// <c>argus retention run</c>: deactivates expired entries (each with a version), and reports what the other retention
/// rules found. The audit log is never shortened: records are kept at least <c>ARGUS_AUDIT_RETENTION_DAYS</c>
/// (default 365), and Argus deletes none at all, because cutting the start of a hash chain needs a signed checkpoint
/// that does not exist yet.
/// </summary>
internal static class RetentionCommands
{
    public const string AuditRetentionVariable = "ARGUS_AUDIT_RETENTION_DAYS";
    public const string AlertRetentionVariable = "ARGUS_ALERT_RETENTION_DAYS";
    public const int DefaultAuditRetentionDays = 365;
    public const int DefaultAlertRetentionDays = 30;

    public static Command Create(TextWriter output, TextWriter error)
    {
        var retention = new Command("retention", "Retention rules: expired entries, alert snapshots and sightings, audit.");
        var run = new Command("run", "Apply the retention rules now (administrators; run it daily).") { ArgusCli.JsonOption };
        run.SetAction((parse, ct) => ArgusCli.Guard(parse, output, error, async host =>
        {
            await using var store = await GalleryCommands.OpenStore(host, ct);
            var actor = await Identity.RequireAsync(host, store, parse, ct);
            await Identity.Audited(host, store, actor.Id, "retention.run", "retention", () => AccessPolicy.Demand(actor, Capability.Configure), ct);
            var auditDays = Days(AuditRetentionVariable, DefaultAuditRetentionDays);
            if (auditDays < DefaultAuditRetentionDays)
            {
                throw new ArgusException("retention.invalid", $"{AuditRetentionVariable} must be at least {DefaultAuditRetentionDays} days.");
            }

            var alertDays = Days(AlertRetentionVariable, DefaultAlertRetentionDays);
            var now = CliEnvironment.Time.GetUtcNow();
            var expired = await store.DeactivateExpiredEntriesAsync(now, ct);
            foreach (var e in expired)
            {
                await GalleryCommands.Audit(host, store, AuditEvent.Ok("system", "entry.expired", $"entry:{e.Id}", AuditDetails.Of(
                    ("watchlist", e.Watchlist.Name), ("version", e.Entry.Current.Version), ("expiry", e.Entry.LegalBasis.Expiry), ("run_by", actor.Id))), ct);
            }

            var deleted = await store.DeleteAlertsBeforeAsync(now.AddDays(-alertDays), ct);
            var (auditRecords, oldest) = await AuditSpan(store, ct);
            var alerts = $"{deleted.Alerts} alert(s) raised over {alertDays} days ago deleted with {deleted.Snapshots} snapshot(s) and {deleted.Decisions} decision(s); {deleted.DeadLetters} webhook dead letter(s) deleted";
            await GalleryCommands.Audit(host, store, AuditEvent.Ok(actor.Id, "retention.ran", "retention", AuditDetails.Of(
                ("entries_deactivated", expired.Count), ("alert_retention_days", alertDays), ("audit_retention_days", auditDays),
                ("audit_records_deleted", 0), ("alerts_deleted", deleted.Alerts), ("snapshots_deleted", deleted.Snapshots),
                ("decisions_deleted", deleted.Decisions), ("dead_letters_deleted", deleted.DeadLetters))), ct);

            if (parse.GetValue(ArgusCli.JsonOption))
            {
                host.WriteJson(new JsonObject
                {
                    ["entries_deactivated"] = new JsonArray([.. expired.Select(e => (JsonNode)e.Id)]),
                    ["alerts_deleted"] = deleted.Alerts,
                    ["snapshots_deleted"] = deleted.Snapshots,
                    ["decisions_deleted"] = deleted.Decisions,
                    ["dead_letters_deleted"] = deleted.DeadLetters,
                    ["alert_retention_days"] = alertDays,
                    ["audit_retention_days"] = auditDays,
                    ["audit_records"] = auditRecords,
                    ["audit_records_deleted"] = 0,
                    ["audit_oldest"] = oldest?.ToString("O", CultureInfo.InvariantCulture),
                });
            }
            else
            {
                host.Out.WriteLine($"entries: {expired.Count} expired entr{(expired.Count == 1 ? "y" : "ies")} deactivated{(expired.Count > 0 ? " (" + string.Join(", ", expired.Select(e => $"#{e.Id}")) + ")" : "")}");
                host.Out.WriteLine($"alerts: {alerts}");
                host.Out.WriteLine($"audit: {auditRecords} record(s) since {oldest:yyyy-MM-dd}, none deleted (kept at least {auditDays} days; Argus never shortens the chain)");
            }

            return ArgusCli.Ok;
        }));
        retention.Subcommands.Add(run);
        return retention;
    }

    private static int Days(string variable, int fallback) =>
        int.TryParse(CliEnvironment.Get(variable), NumberStyles.None, CultureInfo.InvariantCulture, out var d) && d > 0 ? d : fallback;

    private static async Task<(long Count, DateTimeOffset? Oldest)> AuditSpan(Storage.ArgusStore store, CancellationToken ct)
    {
        long count = 0;
        DateTimeOffset? oldest = null;
        await foreach (var r in store.ReadAuditAsync(ct: ct))
        {
            oldest ??= r.OccurredAt;
            count++;
        }

        return (count, oldest);
    }
}
