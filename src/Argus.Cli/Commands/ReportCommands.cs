using System.CommandLine;
using Argus.Application.Reports;

namespace Argus.Cli.Commands;

/// <summary>
/// <c>argus report transparency</c>: what the system did in a period, in counts only. No names, subject ids, user
/// names, images or case numbers: categories, legal instruments, purposes and totals. The audit head (sequence:hash)
/// printed in each report lets anyone later detect records cut from the end of the log.
/// </summary>
internal static class ReportCommands
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var report = new Command("report", "Reports for auditors and the public.");
        var from = new Option<string>("--from") { Description = "First day (YYYY-MM-DD, UTC)", Required = true };
        var to = new Option<string>("--to") { Description = "Last day, inclusive (YYYY-MM-DD, UTC)", Required = true };
        var format = new Option<string>("--format") { Description = "md | json | html", DefaultValueFactory = _ => "md" };
        var transparency = new Command("transparency", "Entries, searches, erasures, flags and the audit chain's state for a period; no personal data.") { from, to, format };
        transparency.SetAction((parse, ct) => ArgusCli.Guard(parse, output, error, async host =>
        {
            await using var store = await GalleryCommands.OpenStore(host, ct);
            var actor = await Identity.RequireAsync(host, store, parse, ct);
            var report = await new TransparencyReportService(host.Operations(store)).CreateAsync(
                actor, parse.GetValue(from)!, parse.GetValue(to)!, parse.GetValue(format)!, ct, "--from", "--to");
            host.Out.Write(report.Content);
            return ArgusCli.Ok;
        }));
        report.Subcommands.Add(transparency);
        return report;
    }
}
