using System.CommandLine;
using Argus.Application.Auditing;
using Argus.Application.Contracts;

namespace Argus.Cli.Commands;

/// <summary><c>argus audit verify|list|flags</c>: the tamper-evident log of every access and change.</summary>
internal static class AuditCommands
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var audit = new Command("audit", "The append-only, hash-chained audit log.");

        var head = new Option<string?>("--head") { Description = "SEQ:HASH recorded elsewhere (e.g. in a transparency report): also catches records cut from the end" };
        var verify = new Command("verify", "Check the whole chain; names the first edited, deleted, inserted or reordered record.") { head, ArgusCli.JsonOption };
        verify.SetAction((parse, ct) => ArgusCli.Guard(parse, output, error, async host =>
        {
            await using var store = await GalleryCommands.OpenStore(host, ct);
            var v = await new AuditService(host.Operations(store)).VerifyAsync(parse.GetValue(head), ct);
            var result = v.Result;
            if (parse.GetValue(ArgusCli.JsonOption))
            {
                host.WriteContract(VerificationDto.From(v));
            }
            else
            {
                host.Out.WriteLine(result.ToString());
                if (result.Intact && v.Head is not null)
                {
                    host.Out.WriteLine($"head {v.Head} (keep it elsewhere to detect records cut from the end)");
                }
            }

            return result.Intact ? ArgusCli.Ok : ArgusCli.BadInput;
        }));

        var actor = new Option<string?>("--actor") { Description = "Only this actor" };
        var action = new Option<string?>("--action") { Description = "Only actions starting with this (e.g. search.)" };
        var last = new Option<int>("--last") { Description = "The most recent N records", DefaultValueFactory = _ => 50 };
        var list = new Command("list", "Show audit records, newest last.") { actor, action, last, ArgusCli.JsonOption };
        list.SetAction((parse, ct) => ArgusCli.Guard(parse, output, error, async host =>
        {
            await using var store = await GalleryCommands.OpenStore(host, ct);
            var actorPrincipal = await Identity.RequireAsync(host, store, parse, ct);
            var selected = await new AuditService(host.Operations(store)).ListAsync(actorPrincipal, parse.GetValue(actor), parse.GetValue(action), parse.GetValue(last), ct);
            if (parse.GetValue(ArgusCli.JsonOption))
            {
                host.WriteContract(new AuditRecordListDto([.. selected.Select(AuditRecordDto.From)]));
            }
            else
            {
                foreach (var r in selected)
                {
                    host.Out.WriteLine($"#{r.Sequence} {r.OccurredAt:yyyy-MM-dd HH:mm:ss}Z {r.Actor} {r.Action} {r.Target} {r.Outcome} {r.Details}");
                }
            }

            return ArgusCli.Ok;
        }));

        var day = new Option<string?>("--day") { Description = "Day to examine (YYYY-MM-DD, UTC; default today)" };
        var flags = new Command("flags", "Insider-abuse flags for a day: unusual volume, out of hours, out of scope, repeated faces, bulk exports.") { day, ArgusCli.JsonOption };
        flags.SetAction((parse, ct) => ArgusCli.Guard(parse, output, error, async host =>
        {
            await using var store = await GalleryCommands.OpenStore(host, ct);
            var principal = await Identity.RequireAsync(host, store, parse, ct);
            var result = await new AuditService(host.Operations(store)).FlagsAsync(principal, parse.GetValue(day), ct);
            var (date, found, overdue) = result;
            if (parse.GetValue(ArgusCli.JsonOption))
            {
                host.WriteContract(FlagsDto.From(result));
            }
            else
            {
                host.Out.WriteLine(found.Count == 0 ? $"no flags for {date:yyyy-MM-dd}" : $"{found.Count} flag(s) for {date:yyyy-MM-dd}:");
                foreach (var f in found)
                {
                    host.Out.WriteLine($"  {f.Kind}: {f.Actor}: {f.Description} (records {string.Join(", ", f.Records.Take(20))}{(f.Records.Count > 20 ? ", …" : "")})");
                }

                // Not tied to the day: an urgent search stays flagged until its authorisation is filed.
                foreach (var s in overdue)
                {
                    host.Out.WriteLine($"  UnauthorisedAfterWindow: {s.User}: urgent search #{s.Id} ({s.Purpose}) had no authorisation by {s.AuthorisationDue:yyyy-MM-dd HH:mm}Z");
                }
            }

            return ArgusCli.Ok;
        }));

        audit.Subcommands.Add(verify);
        audit.Subcommands.Add(list);
        audit.Subcommands.Add(flags);
        return audit;
    }
}
