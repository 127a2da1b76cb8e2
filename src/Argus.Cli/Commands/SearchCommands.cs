using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Argus.Core;
using Argus.Core.Access;
using Argus.Core.Audit;
using Argus.Core.Faces;
using Argus.Core.Purposes;
using Argus.Core.Watchlists;
using Argus.Search;
using Argus.Storage;

namespace Argus.Cli.Commands;

/// <summary>
/// The declaration every 1:N search by a person carries (purpose, case, justification, authorisation or urgency), its
/// approval by <see cref="SearchPolicy"/>, the per-user rate limit counted in the store, and the record kept of it.
/// Shared by <c>argus search</c> (watchlists) and <c>argus identify</c> (galleries).
/// </summary>
internal sealed class PurposeBinding
{
    public const string RateLimitVariable = "ARGUS_SEARCH_LIMIT_PER_HOUR";
    public const string WindowVariable = "ARGUS_AUTHORISATION_HOURS";
    public const int DefaultRateLimit = 30;

    public Option<string> Purpose { get; } = new("--purpose") { Description = "investigation | missing-person | imminent-threat | victim-identification", Required = true };

    public Option<string> Case { get; } = new("--case") { Description = "Case reference", Required = true };

    public Option<string> Justification { get; } = new("--justification") { Description = $"Why this search is necessary (at least {SearchPolicy.MinimumJustificationLength} characters)", Required = true };

    public Option<string?> Authorisation { get; } = new("--authorisation") { Description = "Reference of the court or supervisory authorisation, where the purpose needs one" };

    public Option<bool> Urgent { get; } = new("--urgent") { Description = "Imminent threat: search now, file the authorisation within the window (default 48 h)" };

    public void AddTo(Command command)
    {
        command.Options.Add(Purpose);
        command.Options.Add(Case);
        command.Options.Add(Justification);
        command.Options.Add(Authorisation);
        command.Options.Add(Urgent);
    }

    /// <summary>Approves the declared search for <paramref name="actor"/> or throws (<c>search.*</c>, <c>access.denied</c>, <c>rate.limited</c>).</summary>
    public async Task<(SearchDeclaration Declaration, SearchApproval Approval)> ApproveAsync(
        ParseResult parse, Principal actor, ArgusStore store, IReadOnlyList<string> watchlists, IReadOnlyList<string> galleries, DateTimeOffset now, CancellationToken ct)
    {
        var declaration = new SearchDeclaration(
            ParsePurpose(parse.GetValue(Purpose)!), parse.GetValue(Case) ?? "", parse.GetValue(Justification) ?? "",
            parse.GetValue(Authorisation), parse.GetValue(Urgent), watchlists, galleries);
        var hours = double.TryParse(CliEnvironment.Get(WindowVariable), NumberStyles.Float, CultureInfo.InvariantCulture, out var h) && h > 0 ? h : SearchPolicy.DefaultAuthorisationWindow.TotalHours;
        var approval = SearchPolicy.Approve(actor, declaration, now, TimeSpan.FromHours(hours));

        var limit = int.TryParse(CliEnvironment.Get(RateLimitVariable), NumberStyles.None, CultureInfo.InvariantCulture, out var l) && l > 0 ? l : DefaultRateLimit;
        if (await store.CountSearchesAsync(actor.Id, now.AddHours(-1), ct) >= limit)
        {
            throw new ArgusException("rate.limited", $"Limit of {limit} searches per hour reached for {actor.Id}; try again later.");
        }

        return (declaration, approval);
    }

    public static Task<SearchRecord> RecordAsync(
        ArgusStore store, Principal actor, SearchDeclaration d, SearchApproval approval, string probeSha256, int candidates, DateTimeOffset now, CancellationToken ct) =>
        store.RecordSearchAsync(
            new SearchRecord(
                0, actor.Id, d.Purpose, d.CaseReference, d.Justification,
                [.. d.Watchlists.Select(w => "watchlist:" + w), .. d.Galleries.Select(g => "gallery:" + g)],
                approval.Status, d.AuthorisationReference, approval.AuthorisationDue, approval.Status == AuthorisationStatus.Authorised ? now : null,
                approval.Status == AuthorisationStatus.Authorised ? actor.Id : null, probeSha256, candidates, now),
            ct);

    /// <summary>What the audit keeps of a search: the declaration, the probe's hash and what was returned; never the image.</summary>
    public static string AuditDetails(SearchRecord s, IEnumerable<string> results, float threshold) => Core.Audit.AuditDetails.Of(
        ("search", s.Id), ("purpose", s.Purpose.ToString()), ("case", s.CaseReference), ("targets", s.Targets),
        ("authorisation", s.Status.ToString()), ("authorisation_ref", s.AuthorisationReference), ("authorisation_due", s.AuthorisationDue),
        ("probe_sha256", s.ProbeSha256), ("threshold", threshold), ("candidates", s.Candidates), ("results", results));

    public static void WritePending(CliHost host, SearchRecord s)
    {
        if (s.Status == AuthorisationStatus.Pending)
        {
            host.Error.WriteLine($"argus: urgent search #{s.Id} has no authorisation yet: file it by {s.AuthorisationDue:yyyy-MM-dd HH:mm}Z with `argus search authorise {s.Id} --authorisation REF`, or it is flagged to auditors");
        }
    }

    public static SearchPurpose ParsePurpose(string s) => s.Trim().ToLowerInvariant() switch
    {
        "investigation" or "active-investigation" => SearchPurpose.ActiveInvestigation,
        "missing-person" or "missing" => SearchPurpose.MissingPerson,
        "imminent-threat" => SearchPurpose.ImminentThreat,
        "victim-identification" => SearchPurpose.VictimIdentification,
        _ => throw new ArgusException("search.purpose_invalid", $"Unknown purpose '{s}'; use investigation, missing-person, imminent-threat or victim-identification."),
    };

    public static string PurposeName(SearchPurpose p) => p switch
    {
        SearchPurpose.ActiveInvestigation => "investigation",
        SearchPurpose.MissingPerson => "missing-person",
        SearchPurpose.ImminentThreat => "imminent-threat",
        _ => "victim-identification",
    };
}

/// <summary><c>argus search</c>: purpose-bound search of the active, unexpired entries of named watchlists; <c>argus search authorise</c>.</summary>
internal static class SearchCommands
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var binding = new PurposeBinding();
        var watchlists = new Option<string[]>("--watchlist") { Description = "Watchlist to search (repeatable)", Required = true };
        var face = new Option<int?>("--face") { Description = "Face N (as numbered by `argus detect`) instead of the primary face" };
        var top = new Option<int>("--top") { Description = "Candidates to return at most", DefaultValueFactory = _ => 5 };
        var threshold = new Option<float>("--threshold") { Description = "Only candidates at or above this similarity", DefaultValueFactory = _ => MatchThresholds.Identification };
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
            var k = parse.GetValue(top);
            var t = parse.GetValue(threshold);
            var now = CliEnvironment.Time.GetUtcNow();
            var (record, candidates) = await Identity.Audited(host, store, actor.Id, "search.request", string.Join(",", names.Select(n => "watchlist:" + n)), async () =>
            {
                if (k is < 1 or > 100 || !float.IsFinite(t) || t < -1 || t > 1)
                {
                    throw new ArgusException("argument.invalid", "--top must be 1-100 and --threshold between -1 and 1.");
                }

                var (declaration, approval) = await binding.ApproveAsync(parse, actor, store, names, [], now, ct);
                var lists = new List<Watchlist>();
                foreach (var n in names)
                {
                    lists.Add(await store.GetWatchlistAsync(n, ct));
                }

                var (probe, probeSha256, _) = GalleryCommands.Prepare(host.Engine(), parse.GetValue(image)!, parse.GetValue(face), keepCrop: false, requireSingle: false);
                var found = new List<(StoredEntry Entry, SearchHit Hit)>();
                foreach (var w in lists)
                {
                    // Only active, unexpired entries match: proposed, rejected, removed and expired ones are filtered here.
                    var matching = (await store.ListMatchingEntriesAsync(w.Id, now, ct)).ToDictionary(e => e.SubjectId);
                    var gallery = await store.GetGalleryAsync(w.GalleryId, ct) ?? throw new ArgusException("gallery.not_found", $"The gallery of watchlist '{w.Name}' is missing.");
                    if (matching.Count == 0 || gallery.TemplateCount == 0)
                    {
                        continue;
                    }

                    var load = await GalleryIndexProjection.LoadAsync(store, gallery, host.Paths.DataDirectory, ct);
                    var hits = load.Index.Search(probe, GalleryIndexProjection.Parameters(load.Index, Math.Clamp(load.Index.Count, 1, 1000), t));
                    foreach (var hit in hits)
                    {
                        if (matching.TryGetValue(hit.SubjectId, out var entry) && !found.Any(f => f.Entry.Id == entry.Id))
                        {
                            found.Add((entry, hit));
                        }
                    }
                }

                var best = found.OrderByDescending(f => f.Hit.Score).Take(k).ToList();
                var record = await PurposeBinding.RecordAsync(store, actor, declaration, approval, probeSha256, best.Count, now, ct);
                return (record, best);
            }, ct);

            await GalleryCommands.Audit(host, store, AuditEvent.Ok(actor.Id, AbuseDetector.SearchAction, $"search:{record.Id}", PurposeBinding.AuditDetails(
                record, candidates.Select(c => $"entry:{c.Entry.Id}@{c.Hit.Score.ToString("0.0000", CultureInfo.InvariantCulture)}"), t)), ct);
            var subjects = new Dictionary<long, Subject?>();
            foreach (var c in candidates)
            {
                subjects[c.Entry.SubjectId] = await store.GetSubjectAsync(c.Entry.SubjectId, ct);
            }

            if (parse.GetValue(ArgusCli.JsonOption))
            {
                host.WriteJson(new JsonObject
                {
                    ["search_id"] = record.Id,
                    ["purpose"] = PurposeBinding.PurposeName(record.Purpose),
                    ["authorisation"] = record.Status.ToString().ToLowerInvariant(),
                    ["authorisation_due"] = record.AuthorisationDue?.ToString("O", CultureInfo.InvariantCulture),
                    ["threshold"] = Math.Round(t, 4),
                    ["match"] = candidates.Count > 0,
                    ["candidates"] = new JsonArray([.. candidates.Select((c, i) => (JsonNode)new JsonObject
                    {
                        ["rank"] = i + 1,
                        ["score"] = Math.Round(c.Hit.Score, 4),
                        ["entry_id"] = c.Entry.Id,
                        ["watchlist"] = c.Entry.Watchlist.Name,
                        ["category"] = WatchlistCommands.CategoryName(c.Entry.Watchlist.Category),
                        ["severity"] = c.Entry.Watchlist.Severity.ToString().ToLowerInvariant(),
                        ["colour"] = c.Entry.Watchlist.Policy.Colour,
                        ["subject_id"] = c.Entry.SubjectId,
                        ["subject_name"] = subjects[c.Entry.SubjectId]?.DisplayName,
                        ["subject_reference"] = subjects[c.Entry.SubjectId]?.ExternalReference,
                        ["legal_basis"] = WatchlistCommands.LegalBasisJson(c.Entry.Entry.LegalBasis),
                    })]),
                });
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
                    var (entry, hit) = candidates[i];
                    var b = entry.Entry.LegalBasis;
                    var s = subjects[entry.SubjectId];
                    host.Out.WriteLine($"{i + 1}. score {hit.Score:0.0000}  [{entry.Watchlist.Policy.Colour}] {entry.Watchlist.Name} entry #{entry.Id}: '{s?.DisplayName}' ({s?.ExternalReference})");
                    host.Out.WriteLine($"   case {b.CaseNumber}; {b.Grounds}; officer {b.InvestigatingOfficer}; {b.IssuingAuthority}; {b.LegalInstrument}; until {b.Expiry:yyyy-MM-dd}");
                }
            }

            PurposeBinding.WritePending(host, record);
            return ArgusCli.Ok;
        }));

        var id = new Argument<long>("search-id");
        var reference = new Option<string>("--authorisation") { Description = "Reference of the court or supervisory authorisation", Required = true };
        var authorise = new Command("authorise", "File the authorisation of an urgent search within its window.") { id, reference };
        authorise.SetAction((parse, ct) => ArgusCli.Guard(parse, output, error, async host =>
        {
            await using var store = await GalleryCommands.OpenStore(host, ct);
            var actor = await Identity.RequireAsync(host, store, parse, ct);
            var searchId = parse.GetValue(id);
            var s = await Identity.Audited(host, store, actor.Id, "search.authorise", $"search:{searchId}", async () =>
            {
                var found = await store.GetSearchAsync(searchId, ct) ?? throw new ArgusException("search.not_found", $"There is no search with id {searchId}.");
                if (found.User != actor.Id && !actor.Can(Capability.ApproveEntry))
                {
                    throw new ArgusException("access.denied", $"Only the user who searched or an approver may file the authorisation of search {searchId}.");
                }

                return await store.AuthoriseSearchAsync(searchId, parse.GetValue(reference)!, actor.Id, ct);
            }, ct);
            var late = s.AuthorisedAt > s.AuthorisationDue;
            await GalleryCommands.Audit(host, store, AuditEvent.Ok(actor.Id, "search.authorised", $"search:{s.Id}", Core.Audit.AuditDetails.Of(
                ("authorisation_ref", s.AuthorisationReference), ("due", s.AuthorisationDue), ("late", late))), ct);
            host.Out.WriteLine($"search #{s.Id} authorised ({s.AuthorisationReference}){(late ? "; filed after the window, which stays on record" : "")}");
            return ArgusCli.Ok;
        }));
        command.Subcommands.Add(authorise);
        return command;
    }
}
