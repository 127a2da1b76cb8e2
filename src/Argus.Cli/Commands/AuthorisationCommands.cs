using System.CommandLine;
using Argus.Application.Authorisations;
using Argus.Application.Contracts;
using Argus.Core.Purposes;

namespace Argus.Cli.Commands;

/// <summary>
/// <c>argus authorisation record|list|show|revoke</c>: the authorisations searches and deployments reference by
/// number, recorded and revoked by authorising officials; listed by them and auditors (others: those valid now in
/// their scope).
/// </summary>
internal static class AuthorisationCommands
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var command = new Command("authorisation", "Authorisations recorded by authorising officials: the case, the watchlists and the validity that searches and deployments rely on.");

        var reference = new Option<string>("--reference") { Description = "The authorisation document's reference (3-64 characters)", Required = true };
        var caseReference = new Option<string>("--case") { Description = "The case it authorises", Required = true };
        var watchlists = new Option<string[]>("--watchlist") { Description = "Watchlist or gallery it covers (repeatable)", Required = true };
        var from = new Option<string?>("--from") { Description = "Valid from, ISO 8601 UTC (default: now; at most 7 days back)" };
        var until = new Option<string?>("--until") { Description = "Valid until, ISO 8601 UTC" };
        var days = new Option<double?>("--days") { Description = $"Validity in days instead of --until (default 30, at most {Authorisation.MaxValidity.TotalDays:0})" };
        var record = new Command("record", "Record an authorisation (authorising officials).") { reference, caseReference, watchlists, from, until, days, ArgusCli.JsonOption };
        record.SetAction((parse, ct) => ArgusCli.Guard(parse, output, error, async host =>
        {
            await using var store = await GalleryCommands.OpenStore(host, ct);
            var actor = await Identity.RequireAsync(host, store, parse, ct);
            var start = parse.GetValue(from) is { } f ? DeploymentCommands.ParseTime(f, "--from") : CliEnvironment.Time.GetUtcNow();
            var end = parse.GetValue(until) is { } u ? DeploymentCommands.ParseTime(u, "--until") : start.AddDays(parse.GetValue(days) ?? 30);
            var a = await new AuthorisationService(host.Operations(store)).RecordAsync(
                actor, new AuthorisationRequest(parse.GetValue(reference), parse.GetValue(caseReference), parse.GetValue(watchlists) ?? [], start, end), ct);
            if (parse.GetValue(ArgusCli.JsonOption))
            {
                host.WriteContract(AuthorisationDto.From(a, CliEnvironment.Time.GetUtcNow()));
            }
            else
            {
                host.Out.WriteLine($"authorisation {a.Id} ({a.Reference}) for case {a.CaseReference}: {string.Join(", ", a.Watchlists)} from {a.ValidFrom:yyyy-MM-dd HH:mm} to {a.ValidUntil:yyyy-MM-dd HH:mm} UTC");
            }

            return ArgusCli.Ok;
        }));

        var valid = new Option<bool>("--valid") { Description = "Only those valid now" };
        var list = new Command("list", "List authorisations.") { valid, ArgusCli.JsonOption };
        list.SetAction((parse, ct) => ArgusCli.Guard(parse, output, error, async host =>
        {
            await using var store = await GalleryCommands.OpenStore(host, ct);
            var actor = await Identity.RequireAsync(host, store, parse, ct);
            var all = await new AuthorisationService(host.Operations(store)).ListAsync(actor, parse.GetValue(valid), ct);
            if (parse.GetValue(ArgusCli.JsonOption))
            {
                host.WriteContract(new AuthorisationListDto([.. all.Select(a => AuthorisationDto.From(a, CliEnvironment.Time.GetUtcNow()))]));
                return ArgusCli.Ok;
            }

            foreach (var a in all)
            {
                host.Out.WriteLine($"{a.Id,4} {(a.Revoked ? "revoked" : ""),-8} {a.Reference,-20} case {a.CaseReference,-16} {string.Join(",", a.Watchlists),-20} {a.ValidFrom:yyyy-MM-dd HH:mm} .. {a.ValidUntil:yyyy-MM-dd HH:mm}  by {a.RecordedBy}");
            }

            if (all.Count == 0)
            {
                host.Out.WriteLine("no authorisations");
            }

            return ArgusCli.Ok;
        }));

        var id = new Argument<long>("id") { Description = "Authorisation number" };
        var show = new Command("show", "Show one authorisation.") { id, ArgusCli.JsonOption };
        show.SetAction((parse, ct) => ArgusCli.Guard(parse, output, error, async host =>
        {
            await using var store = await GalleryCommands.OpenStore(host, ct);
            var actor = await Identity.RequireAsync(host, store, parse, ct);
            host.WriteContract(AuthorisationDto.From(await new AuthorisationService(host.Operations(store)).GetAsync(actor, parse.GetValue(id), ct), CliEnvironment.Time.GetUtcNow()));
            return ArgusCli.Ok;
        }));

        var revokeId = new Argument<long>("id") { Description = "Authorisation number" };
        var reason = new Option<string>("--reason") { Description = "Why it is revoked", Required = true };
        var revoke = new Command("revoke", "Revoke an authorisation: searches may no longer use it and the deployments relying on it end now.") { revokeId, reason };
        revoke.SetAction((parse, ct) => ArgusCli.Guard(parse, output, error, async host =>
        {
            await using var store = await GalleryCommands.OpenStore(host, ct);
            var actor = await Identity.RequireAsync(host, store, parse, ct);
            var (a, ended) = await new AuthorisationService(host.Operations(store)).RevokeAsync(actor, parse.GetValue(revokeId), parse.GetValue(reason), ct);
            host.Out.WriteLine($"authorisation {a.Id} revoked" + (ended.Count > 0 ? $"; deployments ended: {string.Join(", ", ended)}" : ""));
            return ArgusCli.Ok;
        }));

        command.Subcommands.Add(record);
        command.Subcommands.Add(list);
        command.Subcommands.Add(show);
        command.Subcommands.Add(revoke);
        return command;
    }
}
