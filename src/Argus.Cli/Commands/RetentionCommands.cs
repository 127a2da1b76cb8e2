using System.CommandLine;
using Argus.Application.Contracts;
using Argus.Application.Retention;

namespace Argus.Cli.Commands;

/// <summary>
/// <c>argus retention run</c>: deactivates expired entries (each with a version), and reports what the other retention
/// rules found. The audit log is never shortened: records are kept at least <c>ARGUS_AUDIT_RETENTION_DAYS</c>
/// (default 365), and Argus deletes none at all, because cutting the start of a hash chain needs a signed checkpoint
/// that does not exist yet.
/// </summary>
internal static class RetentionCommands
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var retention = new Command("retention", "Retention rules: expired entries, alert snapshots and sightings, audit.");
        var run = new Command("run", "Apply the retention rules now (administrators; run it daily).") { ArgusCli.JsonOption };
        run.SetAction((parse, ct) => ArgusCli.Guard(parse, output, error, async host =>
        {
            await using var store = await GalleryCommands.OpenStore(host, ct);
            var actor = await Identity.RequireAsync(host, store, parse, ct);
            var r = await new RetentionService(host.Operations(store)).RunAsync(actor, ct);
            var (expired, alertDays, auditDays, auditRecords, oldest) = (r.Deactivated, r.AlertRetentionDays, r.AuditRetentionDays, r.AuditRecords, r.AuditOldest);
            if (parse.GetValue(ArgusCli.JsonOption))
            {
                host.WriteContract(RetentionDto.From(r));
            }
            else
            {
                host.Out.WriteLine($"entries: {expired.Count} expired entr{(expired.Count == 1 ? "y" : "ies")} deactivated{(expired.Count > 0 ? " (" + string.Join(", ", expired.Select(e => $"#{e.Id}")) + ")" : "")}");
                host.Out.WriteLine($"alerts: {r.AlertsSummary}");
                host.Out.WriteLine($"audit: {auditRecords} record(s) since {oldest:yyyy-MM-dd}, none deleted (kept at least {auditDays} days; Argus never shortens the chain)");
            }

            return ArgusCli.Ok;
        }));
        retention.Subcommands.Add(run);
        return retention;
    }
}
