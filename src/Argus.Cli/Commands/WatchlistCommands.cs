using System.CommandLine;
using Argus.Application;
using Argus.Application.Contracts;
using Argus.Application.Watchlists;
using Argus.Core;
using Argus.Core.Watchlists;
using Argus.Storage;

namespace Argus.Cli.Commands;

/// <summary>
/// <c>argus watchlist create|list</c> and <c>argus entry propose|approve|reject|remove|list|history</c>. The domain
/// (<see cref="WatchlistEntry"/>) decides what is allowed for the authenticated principal; every change and every
/// refusal is audited.
/// </summary>
internal static class WatchlistCommands
{
    public static Command Watchlist(TextWriter output, TextWriter error)
    {
        var watchlist = new Command("watchlist", "Watchlists: the category fixes alert colour, severity and the longest an entry may last.");
        var name = new Argument<string>("name");
        var category = new Option<string>("--category") { Description = "wanted | missing | venue-ban | administrative | custom", Required = true };
        var severity = new Option<string?>("--severity") { Description = "Custom category only: low | medium | high | critical" };
        var maxDays = new Option<int?>("--max-days") { Description = "Longest an entry may last, at most the category's maximum" };
        var create = new Command("create", "Create a watchlist (administrators).") { name, category, severity, maxDays, ArgusCli.JsonOption };
        create.SetAction((parse, ct) => ArgusCli.Guard(parse, output, error, async host =>
        {
            await using var store = await GalleryCommands.OpenStore(host, ct);
            var actor = await Identity.RequireAsync(host, store, parse, ct);
            var n = parse.GetValue(name)!;
            var w = await Service(host, store).CreateAsync(actor, new WatchlistSpec(n, parse.GetValue(category)!, parse.GetValue(severity), parse.GetValue(maxDays)), ct);
            if (parse.GetValue(ArgusCli.JsonOption))
            {
                host.WriteContract(WatchlistDto.From(w, 0));
            }
            else
            {
                host.Out.WriteLine($"created watchlist #{w.Id} '{w.Name}': {CategoryName(w.Category)}, {w.Severity.ToString().ToLowerInvariant()} ({w.Policy.Colour}), entries up to {w.MaxEntryDays} days");
            }

            return ArgusCli.Ok;
        }));

        var list = new Command("list", "Watchlists in your scope, with their active entries.") { ArgusCli.JsonOption };
        list.SetAction((parse, ct) => ArgusCli.Guard(parse, output, error, async host =>
        {
            await using var store = await GalleryCommands.OpenStore(host, ct);
            var actor = await Identity.RequireAsync(host, store, parse, ct);
            var rows = await Service(host, store).ListAsync(actor, ct);
            if (parse.GetValue(ArgusCli.JsonOption))
            {
                host.WriteContract(new WatchlistListDto([.. rows.Select(r => WatchlistDto.From(r.Watchlist, r.Active))]));
            }
            else
            {
                foreach (var (w, active) in rows)
                {
                    host.Out.WriteLine($"#{w.Id,-4} {w.Name,-20} {CategoryName(w.Category),-15} {w.Severity.ToString().ToLowerInvariant(),-9} {w.Policy.Colour,-7} max {w.MaxEntryDays,4} d  {active} active");
                }

                if (rows.Count == 0)
                {
                    host.Out.WriteLine("no watchlists in your scope");
                }
            }

            return ArgusCli.Ok;
        }));

        watchlist.Subcommands.Add(create);
        watchlist.Subcommands.Add(list);
        return watchlist;
    }

    public static Command Entry(TextWriter output, TextWriter error)
    {
        var entry = new Command("entry", "Watchlist entries: proposed by one user, active only once another user with the approver role approves.");
        entry.Subcommands.Add(Propose(output, error));
        entry.Subcommands.Add(Change(output, error, "approve", EntryDecision.Approve));
        entry.Subcommands.Add(Change(output, error, "reject", EntryDecision.Reject));
        entry.Subcommands.Add(Change(output, error, "remove", EntryDecision.Remove));
        entry.Subcommands.Add(Amend(output, error));
        entry.Subcommands.Add(Import(output, error));
        entry.Subcommands.Add(List(output, error));
        entry.Subcommands.Add(History(output, error));
        return entry;
    }

    private static Command Propose(TextWriter output, TextWriter error)
    {
        var watchlist = new Option<string>("--watchlist") { Required = true };
        var subject = new Option<string>("--subject") { Description = "The subject's external reference (created when new)", Required = true };
        var name = new Option<string?>("--name") { Description = "Display name for a new subject" };
        var caseNumber = new Option<string?>("--case") { Description = "Case number" };
        var grounds = new Option<string?>("--grounds") { Description = "Offence or grounds" };
        var officer = new Option<string?>("--officer") { Description = "Investigating officer" };
        var authority = new Option<string?>("--authority") { Description = "Issuing authority" };
        var instrument = new Option<string?>("--instrument") { Description = "Legal instrument (warrant, order, ban notice …)" };
        var expires = new Option<string?>("--expires") { Description = "Last day the entry applies (YYYY-MM-DD, UTC), within the watchlist's maximum" };
        var imageSource = new Option<string[]>("--image-source") { Description = "SOURCE:REFERENCE of each photo, in order (one value applies to all)" };
        var reason = new Option<string>("--reason") { Description = "Why the entry is proposed", DefaultValueFactory = _ => "proposed" };
        var face = new Option<int?>("--face") { Description = "Face N of every photo that names none of its own (PHOTO:N)" };
        var photos = new Argument<string[]>("photos")
        {
            Arity = ArgumentArity.OneOrMore,
            Description = "Photos of the subject; PHOTO:N takes face N of that photo only (numbers from `argus detect`), e.g. a.jpg group.jpg:2",
        };
        var command = new Command("propose", "Propose an entry with its full legal basis; the photos are enrolled into the watchlist's gallery.")
        {
            watchlist, subject, name, caseNumber, grounds, officer, authority, instrument, expires, imageSource, reason, face, photos, ArgusCli.JsonOption,
        };
        command.SetAction((parse, ct) => ArgusCli.Guard(parse, output, error, async host =>
        {
            await using var store = await GalleryCommands.OpenStore(host, ct);
            var actor = await Identity.RequireAsync(host, store, parse, ct);
            var listName = parse.GetValue(watchlist)!;
            var chosen = parse.GetValue(photos)!.Select(PhotoAndFace).ToList();
            var stored = await Service(host, store).ProposeAsync(
                actor,
                new EntryProposal(
                    listName, parse.GetValue(subject)!, parse.GetValue(name), parse.GetValue(caseNumber), parse.GetValue(grounds), parse.GetValue(officer),
                    parse.GetValue(authority), parse.GetValue(instrument), parse.GetValue(expires), parse.GetValue(imageSource) ?? [],
                    [.. chosen.Select(c => ImageInput.FromFile(c.Path))], parse.GetValue(reason)!, parse.GetValue(face))
                {
                    PhotoFaces = chosen.Any(c => c.Face is not null) ? [.. chosen.Select(c => c.Face)] : [],
                },
                ct);
            var b = stored.Entry.LegalBasis;
            if (parse.GetValue(ArgusCli.JsonOption))
            {
                host.WriteContract(EntryDto.From(stored, CliEnvironment.Time.GetUtcNow(), history: false));
            }
            else
            {
                host.Out.WriteLine($"proposed entry #{stored.Id} on '{stored.Watchlist.Name}' (subject #{stored.SubjectId}, expires {b.Expiry:yyyy-MM-dd HH:mm}Z); it matches nothing until another user with the approver role approves it");
            }

            return ArgusCli.Ok;
        }));
        return command;
    }

    /// <summary>
    /// <c>PHOTO</c> or <c>PHOTO:N</c> (face N of that photo). A file whose own name ends in <c>:N</c> is taken whole,
    /// so no existing file is misread; N must be 1 or more (<c>argument.invalid</c>).
    /// </summary>
    internal static (string Path, int? Face) PhotoAndFace(string value)
    {
        var colon = value.LastIndexOf(':');
        if (colon <= 0 || colon == value.Length - 1 || File.Exists(value) || value.AsSpan(colon + 1).ContainsAnyExceptInRange('0', '9'))
        {
            return (value, null);
        }

        return int.TryParse(value.AsSpan(colon + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var face) && face >= 1
            ? (value[..colon], face)
            : throw new ArgusException("argument.invalid", $"{value}: faces are numbered from 1 (as `argus detect` prints them).");
    }

    private static Command Change(TextWriter output, TextWriter error, string verb, EntryDecision decision)
    {
        var id = new Argument<long>("id") { Description = "Entry id" };
        var reason = new Option<string>("--reason") { Description = "Why (required, recorded in the entry's history)", Required = true };
        var command = new Command(verb, verb switch
        {
            "approve" => "Approve a proposed entry (approver role, not the proposer): it starts matching.",
            "reject" => "Reject a proposed entry (approver role).",
            _ => "Take an entry off its watchlist.",
        })
        {
            id, reason,
        };
        command.SetAction((parse, ct) => ArgusCli.Guard(parse, output, error, async host =>
        {
            await using var store = await GalleryCommands.OpenStore(host, ct);
            var actor = await Identity.RequireAsync(host, store, parse, ct);
            var entryId = parse.GetValue(id);
            var stored = await Service(host, store).DecideAsync(actor, entryId, decision, parse.GetValue(reason)!, ct);
            var v = stored.Entry.Current;
            host.Out.WriteLine($"entry #{stored.Id} {v.Change}: now {v.State.ToString().ToLowerInvariant()} (version {v.Version})");
            return ArgusCli.Ok;
        }));
        return command;
    }

    /// <summary>
    /// <c>argus entry import --watchlist W --reason R FILE.csv</c>: every valid row proposed for approval, every bad row
    /// listed with its reason; photos are read from the CSV's folder (or <c>--photos DIR</c>). Exit code 2 when any row
    /// was refused, so a script notices.
    /// </summary>
    private static Command Import(TextWriter output, TextWriter error)
    {
        var watchlist = new Option<string>("--watchlist") { Required = true };
        var reason = new Option<string>("--reason") { Description = "Why the entries are proposed (each row's history says 'import row N')", Required = true };
        var folder = new Option<string?>("--photos") { Description = "Folder of the photos the CSV names (default: the CSV's folder)" };
        var csv = new Argument<string>("csv")
        {
            Description = "CSV with header photo,subject_reference,subject_name,case,grounds,officer,authority,instrument,expires,image_source",
        };
        var command = new Command("import", "Propose many entries from a CSV of photos and their legal basis; valid rows are proposed, bad rows refused with the reason.")
        {
            watchlist, reason, folder, csv, ArgusCli.JsonOption,
        };
        command.SetAction((parse, ct) => ArgusCli.Guard(parse, output, error, async host =>
        {
            var path = parse.GetValue(csv)!;
            if (!File.Exists(path))
            {
                throw new ArgusException("import.invalid_csv", $"There is no CSV file '{path}'.");
            }

            var root = Path.GetFullPath(parse.GetValue(folder) ?? Path.GetDirectoryName(Path.GetFullPath(path))!);
            await using var store = await GalleryCommands.OpenStore(host, ct);
            var actor = await Identity.RequireAsync(host, store, parse, ct);

            // Only plain file names inside the photo folder: a row cannot make Argus read any other file.
            ImageInput? Photo(string name) =>
                Path.GetFileName(name) == name && Path.Combine(root, name) is var full && File.Exists(full) ? ImageInput.FromFile(full) : null;
            var result = await new EntryImport(Service(host, store)).ImportAsync(
                actor, parse.GetValue(watchlist)!, await File.ReadAllTextAsync(path, ct), Photo, parse.GetValue(reason)!, ct);
            if (parse.GetValue(ArgusCli.JsonOption))
            {
                host.WriteContract(new ImportDto(
                    [.. result.Proposed.Select(r => new ImportedRowDto(r.Row, r.Photo, r.EntryId, r.SubjectId))],
                    [.. result.Refused.Select(r => new RefusedRowDto(r.Row, r.Photo, r.Code, r.Reason))]));
            }
            else
            {
                foreach (var r in result.Proposed)
                {
                    host.Out.WriteLine($"row {r.Row}: proposed entry #{r.EntryId} ({r.Photo})");
                }

                foreach (var r in result.Refused)
                {
                    host.Out.WriteLine($"row {r.Row}: refused ({r.Code}): {r.Reason}");
                }

                host.Out.WriteLine($"{result.Proposed.Count} proposed for approval, {result.Refused.Count} refused");
            }

            return result.Refused.Count == 0 ? ArgusCli.Ok : ArgusCli.BadInput;
        }));
        return command;
    }

    private static Command Amend(TextWriter output, TextWriter error)
    {
        var id = new Argument<long>("id") { Description = "Entry id" };
        var reason = new Option<string>("--reason") { Description = "Why (e.g. the warrant was renewed)", Required = true };
        var caseNumber = new Option<string?>("--case");
        var grounds = new Option<string?>("--grounds");
        var officer = new Option<string?>("--officer");
        var authority = new Option<string?>("--authority");
        var instrument = new Option<string?>("--instrument");
        var expires = new Option<string?>("--expires") { Description = "New last day (YYYY-MM-DD, UTC)" };
        var command = new Command("amend", "Change an entry's legal basis (fields not given stay as they are); it needs approval again.")
        {
            id, reason, caseNumber, grounds, officer, authority, instrument, expires,
        };
        command.SetAction((parse, ct) => ArgusCli.Guard(parse, output, error, async host =>
        {
            await using var store = await GalleryCommands.OpenStore(host, ct);
            var actor = await Identity.RequireAsync(host, store, parse, ct);
            var entryId = parse.GetValue(id);
            var stored = await Service(host, store).AmendAsync(
                actor,
                entryId,
                new EntryAmendment(
                    parse.GetValue(reason)!, parse.GetValue(caseNumber), parse.GetValue(grounds), parse.GetValue(officer), parse.GetValue(authority),
                    parse.GetValue(instrument), parse.GetValue(expires)),
                ct);
            var v = stored.Entry.Current;
            host.Out.WriteLine($"entry #{stored.Id} amended (version {v.Version}): proposed again, it matches nothing until another user with the approver role approves it");
            return ArgusCli.Ok;
        }));
        return command;
    }

    private static Command List(TextWriter output, TextWriter error)
    {
        var watchlist = new Option<string>("--watchlist") { Required = true };
        var state = new Option<string?>("--state") { Description = "proposed | active | rejected | removed" };
        var command = new Command("list", "Entries of a watchlist.") { watchlist, state, ArgusCli.JsonOption };
        command.SetAction((parse, ct) => ArgusCli.Guard(parse, output, error, async host =>
        {
            await using var store = await GalleryCommands.OpenStore(host, ct);
            var actor = await Identity.RequireAsync(host, store, parse, ct);
            var listName = parse.GetValue(watchlist)!;
            var service = Service(host, store);
            var entries = await service.ListEntriesAsync(actor, listName, parse.GetValue(state), ct);

            // Whoever may list a watchlist's entries may see whom they name (the console's entries table shows them too).
            var subjects = await service.SubjectsAsync(entries, ct);
            var now = CliEnvironment.Time.GetUtcNow();
            if (parse.GetValue(ArgusCli.JsonOption))
            {
                host.WriteContract(new EntryListDto([.. entries.Select(e => EntryDto.From(e, now, history: false) with { SubjectName = subjects[e.Id].Name, SubjectReference = subjects[e.Id].Reference })]));
            }
            else
            {
                foreach (var e in entries)
                {
                    var b = e.Entry.LegalBasis;
                    var shown = e.Entry.IsExpiredAt(now) ? "expired" : e.Entry.State.ToString().ToLowerInvariant();
                    var who = subjects[e.Id].Name is { } n ? $"#{e.SubjectId} {n}" : $"#{e.SubjectId}";
                    host.Out.WriteLine($"#{e.Id,-5} {shown,-9} subject {who,-24} case {b.CaseNumber,-14} {b.LegalInstrument,-24} expires {b.Expiry:yyyy-MM-dd}  proposed by {e.Entry.ProposedBy}");
                }

                if (entries.Count == 0)
                {
                    host.Out.WriteLine("no entries");
                }
            }

            return ArgusCli.Ok;
        }));
        return command;
    }

    private static Command History(TextWriter output, TextWriter error)
    {
        var id = new Argument<long>("id") { Description = "Entry id" };
        var command = new Command("history", "Every version of an entry: who, when, what, why.") { id, ArgusCli.JsonOption };
        command.SetAction((parse, ct) => ArgusCli.Guard(parse, output, error, async host =>
        {
            await using var store = await GalleryCommands.OpenStore(host, ct);
            var actor = await Identity.RequireAsync(host, store, parse, ct);
            var entryId = parse.GetValue(id);
            var stored = await Service(host, store).HistoryAsync(actor, entryId, ct);
            if (parse.GetValue(ArgusCli.JsonOption))
            {
                host.WriteContract(EntryDto.From(stored, CliEnvironment.Time.GetUtcNow(), history: true));
            }
            else
            {
                host.Out.WriteLine($"entry #{stored.Id} on '{stored.Watchlist.Name}', subject #{stored.SubjectId}");
                foreach (var v in stored.Entry.Versions)
                {
                    host.Out.WriteLine($"  v{v.Version} {v.At:yyyy-MM-dd HH:mm:ss}Z {v.By,-12} {v.Change,-9} -> {v.State.ToString().ToLowerInvariant(),-9} \"{v.Reason}\" (case {v.LegalBasis.CaseNumber}, expires {v.LegalBasis.Expiry:yyyy-MM-dd})");
                }
            }

            return ArgusCli.Ok;
        }));
        return command;
    }

    internal static string CategoryName(WatchlistCategory c) => WatchlistService.CategoryName(c);

    private static WatchlistService Service(CliHost host, ArgusStore store) => new(host.Operations(store));
}
