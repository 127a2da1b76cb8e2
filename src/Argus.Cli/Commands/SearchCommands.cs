using System.CommandLine;
using Argus.Application;
using Argus.Application.Contracts;
using Argus.Application.Searches;
using Argus.Core.Purposes;
using Argus.Storage;

namespace Argus.Cli.Commands;

/// <summary>
/// The declaration options every 1:N search carries (<c>--purpose</c>, <c>--case</c>, <c>--justification</c>,
/// <c>--authorisation</c> or <c>--urgent</c>), for <see cref="PurposeBinding"/>: <c>argus search</c> (watchlists) and
/// <c>argus identify</c> (galleries).
/// </summary>
internal sealed class PurposeOptions
{
    public Option<string> Purpose { get; } = new("--purpose") { Description = "investigation | missing-person | imminent-threat | victim-identification", Required = true };

    public Option<string> Case { get; } = new("--case") { Description = "Case reference", Required = true };

    public Option<string> Justification { get; } = new("--justification") { Description = $"Why this search is necessary (at least {SearchPolicy.MinimumJustificationLength} characters)", Required = true };

    public Option<string?> Authorisation { get; } = new("--authorisation") { Description = "Number of the authorisation recorded by an authorising official (argus authorisation list), where the purpose or a watchlist needs one" };

    public Option<bool> Urgent { get; } = new("--urgent") { Description = "Imminent threat: search now, file the authorisation within the window (default 48 h)" };

    public void AddTo(Command command)
    {
        command.Options.Add(Purpose);
        command.Options.Add(Case);
        command.Options.Add(Justification);
        command.Options.Add(Authorisation);
        command.Options.Add(Urgent);
    }

    public SearchDeclarationInput Read(ParseResult parse) =>
        new(parse.GetValue(Purpose), parse.GetValue(Case), parse.GetValue(Justification), parse.GetValue(Authorisation), parse.GetValue(Urgent));

    public static void WritePending(CliHost host, SearchRecord s)
    {
        if (s.Status == AuthorisationStatus.Pending)
        {
            host.Error.WriteLine($"argus: urgent search #{s.Id} has no authorisation yet: file it by {s.AuthorisationDue:yyyy-MM-dd HH:mm}Z with `argus search authorise {s.Id} --authorisation N` (a recorded authorisation), or it is flagged to auditors");
        }
    }
}

/// <summary><c>argus search</c>: purpose-bound search of the active, unexpired entries of named watchlists; <c>argus search authorise</c>.</summary>
internal static class SearchCommands
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var binding = new PurposeOptions();
        var watchlists = new Option<string[]>("--watchlist") { Description = "Watchlist to search (repeatable)", Required = true };
        var face = new Option<int?>("--face") { Description = "Face N (as numbered by `argus detect`) instead of the primary face" };
        var top = new Option<int>("--top") { Description = $"Candidates to return at most (1-{SearchLimits.MaxTop})", DefaultValueFactory = _ => SearchLimits.DefaultTop };
        var threshold = new Option<float?>("--threshold")
        {
            Description = $"Only candidates at or above this similarity; default and lowest allowed: the highest calibrated floor of the lists searched (at least {SearchLimits.Floor}, higher for large lists)",
        };
        var image = new Argument<string>("image") { Description = "Probe photo" };
        var command = new Command("search", "Purpose-bound 1:N search of watchlists: candidates above threshold with their entry's legal basis, or \"no match\".")
        {
            watchlists, face, top, threshold, image, ArgusCli.JsonOption,
        };
        binding.AddTo(command);
        command.SetAction((parse, ct) => ArgusCli.Guard(parse, output, error, async host =>
        {
            await using var store = await GalleryCommands.OpenStore(host, ct);
            var actor = await Identity.RequireAsync(host, store, parse, ct);
            var names = parse.GetValue(watchlists)!.Distinct(StringComparer.Ordinal).ToArray();
            var result = await new SearchService(host.Operations(store)).SearchAsync(
                actor,
                new WatchlistSearchRequest(names, binding.Read(parse), ImageInput.FromFile(parse.GetValue(image)!), parse.GetValue(face), parse.GetValue(top), parse.GetValue(threshold)),
                ct);
            var (record, t, candidates) = (result.Record, result.Threshold, result.Candidates);
            if (parse.GetValue(ArgusCli.JsonOption))
            {
                host.WriteContract(SearchDto.From(result, photoUrls: false));
            }
            else
            {
                host.Out.WriteLine($"search #{record.Id} ({PurposeBinding.PurposeName(record.Purpose)}, case {record.CaseReference}, authorisation {record.Status.ToString().ToLowerInvariant()})");
                if (candidates.Count == 0)
                {
                    host.Out.WriteLine($"no match: no active entry of {string.Join(", ", names)} scores at or above {t:0.00}");
                }

                for (var i = 0; i < candidates.Count; i++)
                {
                    var (entry, hit, s) = candidates[i];
                    var b = entry.Entry.LegalBasis;
                    host.Out.WriteLine($"{i + 1}. score {hit.Score:0.0000}  [{entry.Watchlist.Policy.Colour}] {entry.Watchlist.Name} entry #{entry.Id}: '{s?.DisplayName}' ({s?.ExternalReference})");
                    host.Out.WriteLine($"   case {b.CaseNumber}; {b.Grounds}; officer {b.InvestigatingOfficer}; {b.IssuingAuthority}; {b.LegalInstrument}; until {b.Expiry:yyyy-MM-dd}");
                }
            }

            PurposeOptions.WritePending(host, record);
            return ArgusCli.Ok;
        }));

        var id = new Argument<long>("search-id");
        var reference = new Option<string>("--authorisation") { Description = "Number of the authorisation recorded by an authorising official for this search's case and lists", Required = true };
        var authorise = new Command("authorise", "File the authorisation of an urgent search within its window.") { id, reference };
        authorise.SetAction((parse, ct) => ArgusCli.Guard(parse, output, error, async host =>
        {
            await using var store = await GalleryCommands.OpenStore(host, ct);
            var actor = await Identity.RequireAsync(host, store, parse, ct);
            var searchId = parse.GetValue(id);
            var s = await new SearchService(host.Operations(store)).AuthoriseAsync(actor, searchId, parse.GetValue(reference)!, ct);
            var late = s.AuthorisedAt > s.AuthorisationDue;
            host.Out.WriteLine($"search #{s.Id} authorised ({s.AuthorisationReference}){(late ? "; filed after the window, which stays on record" : "")}");
            return ArgusCli.Ok;
        }));
        command.Subcommands.Add(authorise);
        return command;
    }
}
