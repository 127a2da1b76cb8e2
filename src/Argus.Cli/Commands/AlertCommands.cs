using System.CommandLine;
using System.Globalization;
using Argus.Application.Alerts;
using Argus.Application.Contracts;
using Argus.Core;
using Argus.Core.Alerts;
using Argus.Storage;

namespace Argus.Cli.Commands;

/// <summary><c>argus alert list|show|confirm|dismiss|flags</c>: review of stored alerts within the user's sites and watchlists.</summary>
internal static class AlertCommands
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var alert = new Command("alert", "Stored alerts: list, show, confirm or dismiss (two different users confirm where the category allows action).");

        var status = new Option<string?>("--status") { Description = "open, awaiting-second-confirmation, confirmed or dismissed" };
        var deployment = new Option<string?>("--deployment") { Description = "Only alerts of this deployment" };
        var limit = new Option<int>("--limit") { Description = "At most this many, newest first", DefaultValueFactory = _ => 100 };
        var list = new Command("list", "List alerts on your sites, newest first.") { status, deployment, limit, ArgusCli.JsonOption };
        list.SetAction((parse, ct) => ArgusCli.Guard(parse, output, error, async host =>
        {
            await using var store = await GalleryCommands.OpenStore(host, ct);
            var actor = await Identity.RequireAsync(host, store, parse, ct);
            var desk = Desk(host, store);
            var filter = new AlertFilter { Status = parse.GetValue(status) is { } s ? ParseStatus(s) : null, Deployment = parse.GetValue(deployment), Limit = parse.GetValue(limit) };
            var alerts = await desk.ListAsync(actor, filter, ct);

            // The alerts listed are those in the reviewer's scope; the reviewer sees the same name on each alert.
            var names = await desk.SubjectNamesAsync(alerts, ct);
            if (parse.GetValue(ArgusCli.JsonOption))
            {
                host.WriteContract(new AlertListDto([.. alerts.Select(a => StoredAlertDto.From(a) with { SubjectName = names[a.SubjectId] })]));
                return ArgusCli.Ok;
            }

            foreach (var a in alerts)
            {
                var who = names[a.SubjectId] is { } n ? $" ({n})" : "";
                host.Out.WriteLine($"{a.Id,5} {a.RaisedAt:yyyy-MM-dd HH:mm:ss} [{a.Colour}] {Name(a.Status),-32} {a.CameraId,-12} {a.Site ?? "-",-12} {a.Watchlist} entry #{a.EntryId}{who} score {a.Score:0.000} over {a.SupportingShots} shots");
            }

            if (alerts.Count == 0)
            {
                host.Out.WriteLine("no alerts");
            }

            return ArgusCli.Ok;
        }));

        var showId = new Argument<long>("id") { Description = "Alert id" };
        var snapshot = new Option<string?>("--snapshot") { Description = "Write the camera's snapshot (PNG) to this file" };
        var enrolled = new Option<string?>("--enrolled") { Description = "Write the enrolled photo (PNG, when a crop was kept) to this file" };
        var show = new Command("show", "Show one alert: entry, legal basis, decisions; optionally write its snapshot and enrolled photo.") { showId, snapshot, enrolled, ArgusCli.JsonOption };
        show.SetAction((parse, ct) => ArgusCli.Guard(parse, output, error, async host =>
        {
            await using var store = await GalleryCommands.OpenStore(host, ct);
            var actor = await Identity.RequireAsync(host, store, parse, ct);
            var desk = Desk(host, store);
            var view = await desk.ShowAsync(actor, parse.GetValue(showId), ct);
            if (parse.GetValue(snapshot) is { } snapshotFile && view.SnapshotPng is { } png)
            {
                await File.WriteAllBytesAsync(snapshotFile, png, ct);
            }

            if (parse.GetValue(enrolled) is { } enrolledFile && view.EnrolledPng is { } crop)
            {
                await File.WriteAllBytesAsync(enrolledFile, crop, ct);
            }

            var a = view.Alert;
            var basis = view.Entry?.Entry.LegalBasis;
            if (parse.GetValue(ArgusCli.JsonOption))
            {
                host.WriteContract(AlertViewDto.From(view));
                return ArgusCli.Ok;
            }

            host.Out.WriteLine($"alert {a.Id} [{a.Colour}] {a.Severity} {Name(a.Status)}");
            host.Out.WriteLine($"  camera {a.CameraId} site {a.Site ?? "-"} deployment {a.Deployment} track {a.TrackId}");
            host.Out.WriteLine($"  {view.SubjectName ?? "subject " + a.SubjectId.ToString(CultureInfo.InvariantCulture)}: {a.Watchlist} entry #{a.EntryId}, template {a.TemplateId}, score {a.Score:0.000} over {a.SupportingShots} shots");
            if (basis is not null)
            {
                host.Out.WriteLine($"  case {basis.CaseNumber}, {basis.Grounds}, {basis.LegalInstrument} ({basis.IssuingAuthority}), until {basis.Expiry:yyyy-MM-dd}");
            }

            host.Out.WriteLine($"  seen {a.FirstSeenAt:yyyy-MM-dd HH:mm:ss} .. {a.LastSeenAt:HH:mm:ss} UTC; snapshot {(view.SnapshotPng is null ? "none" : $"{view.SnapshotPng.Length} bytes")}; enrolled photo {(view.EnrolledPng is null ? "not kept" : $"{view.EnrolledPng.Length} bytes")}");
            foreach (var d in a.Decisions)
            {
                host.Out.WriteLine($"  {d.At:yyyy-MM-dd HH:mm} {d.By} {d.Verdict.ToString().ToLowerInvariant()}: {d.Reason}");
            }

            return ArgusCli.Ok;
        }));

        alert.Subcommands.Add(list);
        alert.Subcommands.Add(show);
        alert.Subcommands.Add(Decide(output, error, AlertVerdict.Confirm));
        alert.Subcommands.Add(Decide(output, error, AlertVerdict.Dismiss));

        var flags = new Command("flags", "Templates whose alerts keep being dismissed, for review (approvers).") { ArgusCli.JsonOption };
        flags.SetAction((parse, ct) => ArgusCli.Guard(parse, output, error, async host =>
        {
            await using var store = await GalleryCommands.OpenStore(host, ct);
            var actor = await Identity.RequireAsync(host, store, parse, ct);
            var desk = Desk(host, store);
            var flagged = await desk.ListFlaggedTemplatesAsync(actor, ct);
            if (parse.GetValue(ArgusCli.JsonOption))
            {
                host.WriteContract(new TemplateFlagListDto([.. flagged.Select(f => new TemplateFlagDto(f.TemplateId, f.Dismissed, f.Decided, f.FlaggedAt))]));
                return ArgusCli.Ok;
            }

            foreach (var f in flagged)
            {
                host.Out.WriteLine($"template {f.TemplateId}: {f.Dismissed} of {f.Decided} decided alerts dismissed; flagged {f.FlaggedAt:yyyy-MM-dd HH:mm}");
            }

            if (flagged.Count == 0)
            {
                host.Out.WriteLine("no flagged templates");
            }

            return ArgusCli.Ok;
        }));
        alert.Subcommands.Add(flags);
        return alert;
    }

    private static Command Decide(TextWriter output, TextWriter error, AlertVerdict verdict)
    {
        var id = new Argument<long>("id") { Description = "Alert id" };
        var reason = new Option<string>("--reason") { Description = verdict == AlertVerdict.Confirm ? "Why this is the person" : "Why this is not the person", Required = true };
        var command = verdict == AlertVerdict.Confirm
            ? new Command("confirm", "Confirm an alert (a second, different user must confirm where the category allows action).") { id, reason, ArgusCli.JsonOption }
            : new Command("dismiss", "Dismiss an alert: not this person.") { id, reason, ArgusCli.JsonOption };
        command.SetAction((parse, ct) => ArgusCli.Guard(parse, output, error, async host =>
        {
            await using var store = await GalleryCommands.OpenStore(host, ct);
            var actor = await Identity.RequireAsync(host, store, parse, ct);
            var desk = Desk(host, store);
            var outcome = verdict == AlertVerdict.Confirm
                ? await desk.ConfirmAsync(actor, parse.GetValue(id), parse.GetValue(reason)!, ct)
                : await desk.DismissAsync(actor, parse.GetValue(id), parse.GetValue(reason)!, ct);
            if (parse.GetValue(ArgusCli.JsonOption))
            {
                host.WriteContract(new AlertDecisionDto(StoredAlertDto.From(outcome.Alert), outcome.ActionAllowed, outcome.Flag is not null));
                return ArgusCli.Ok;
            }

            host.Out.WriteLine($"alert {outcome.Alert.Id}: {Name(outcome.Alert.Status)}" + outcome.Alert.Status switch
            {
                AlertStatus.AwaitingSecondConfirmation => " (a second, different user must confirm before any action)",
                AlertStatus.Confirmed => " (action allowed)",
                _ => "",
            });
            if (outcome.Flag is { } flag)
            {
                host.Out.WriteLine($"template {flag.TemplateId} flagged for review: {flag.Dismissed} of {flag.Decided} decided alerts dismissed");
            }

            return ArgusCli.Ok;
        }));
        return command;
    }

    /// <summary>
    /// A desk for review commands: they store decisions, they raise nothing; nothing in this process listens live, so
    /// decisions are not published here (a server's live views see them when the server's own desk decides).
    /// </summary>
    private static AlertDesk Desk(CliHost host, ArgusStore store) =>
        new(store, host.AuditChain(), null, new AlertDeskOptions { Environment = CliEnvironment.Get }, CliEnvironment.Time);

    private static AlertStatus ParseStatus(string text) =>
        Enum.GetValues<AlertStatus>().FirstOrDefault(s => string.Equals(Name(s), text.Trim().Replace('_', '-'), StringComparison.OrdinalIgnoreCase), (AlertStatus)(-1)) is var s && Enum.IsDefined(s)
            ? s
            : throw new ArgusException("alert.status_invalid", $"Unknown alert status '{text}': use {string.Join(", ", Enum.GetValues<AlertStatus>().Select(Name))}.");

    internal static string Name(AlertStatus status) => status switch
    {
        AlertStatus.AwaitingSecondConfirmation => "awaiting-second-confirmation",
        _ => status.ToString().ToLowerInvariant(),
    };
}
