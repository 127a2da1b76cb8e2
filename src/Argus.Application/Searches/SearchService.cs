using System.Globalization;
using Argus.Application.Galleries;
using Argus.Core;
using Argus.Core.Access;
using Argus.Core.Audit;
using Argus.Core.Purposes;
using Argus.Search;
using Argus.Storage;

namespace Argus.Application.Searches;

/// <summary>
/// A watchlist search: the probe, the watchlists, and how many candidates at or above which similarity (null: the
/// highest calibrated floor of the lists searched; lower than any of them is refused).
/// </summary>
public sealed record WatchlistSearchRequest(IReadOnlyList<string> Watchlists, SearchDeclarationInput Declaration, ImageInput Probe, int? Face = null, int Top = SearchLimits.DefaultTop, float? Threshold = null);

/// <summary>One candidate: the active entry it matched (with its legal basis) and the subject.</summary>
public sealed record WatchlistCandidate(StoredEntry Entry, SearchHit Hit, Subject? Subject);

/// <summary>A search's record, the threshold it used, each searched list's floor, and the candidates at or above the threshold.</summary>
public sealed record WatchlistSearchResult(SearchRecord Record, float Threshold, IReadOnlyList<ListFloor> Floors, IReadOnlyList<WatchlistCandidate> Candidates);

/// <summary>
/// Purpose-bound search of the active, unexpired entries of named watchlists, and the late filing of an urgent search's
/// authorisation. The declaration is approved before the probe is even decoded; the search is recorded and audited
/// with the probe's hash, never the image.
/// </summary>
public sealed class SearchService(OperationContext context)
{
    public async Task<WatchlistSearchResult> SearchAsync(Principal actor, WatchlistSearchRequest request, CancellationToken ct)
    {
        var names = request.Watchlists.Distinct(StringComparer.Ordinal).ToArray();
        var k = request.Top;
        var t = request.Threshold;
        var now = context.Now;
        var (record, threshold, floors, candidates) = await context.AuditedAsync(actor.Id, "search.request", string.Join(",", names.Select(n => "watchlist:" + n)), async () =>
        {
            SearchLimits.Demand(k, t ?? SearchLimits.Floor);

            if (names.Length == 0)
            {
                throw new ArgusException("argument.invalid", "Name at least one watchlist to search.");
            }

            var (declaration, approval, authorisation) = await PurposeBinding.ApproveAsync(context, request.Declaration, actor, names, [], now, ct);
            var lists = new List<Storage.Watchlist>();
            foreach (var n in names)
            {
                lists.Add(await context.Store.GetWatchlistAsync(n, ct));
            }

            // Each list's floor follows its size (SearchLimits.FloorFor); the search's threshold is at least every floor,
            // refused below one before the probe is even decoded. Without a threshold, the highest floor is used.
            var searched = new List<(Storage.Watchlist List, Dictionary<long, StoredEntry> Matching, Galleries.ProjectionLoad Load)>();
            var floors = new List<ListFloor>();
            foreach (var w in lists)
            {
                // Only active, unexpired entries match: proposed, rejected, removed and expired ones are filtered here.
                var matching = (await context.Store.ListMatchingEntriesAsync(w.Id, now, ct)).ToDictionary(e => e.SubjectId);
                var gallery = await context.Store.GetGalleryAsync(w.GalleryId, ct) ?? throw new ArgusException("gallery.not_found", $"The gallery of watchlist '{w.Name}' is missing.");
                if (matching.Count == 0 || gallery.TemplateCount == 0)
                {
                    continue;
                }

                var load = await context.LoadIndexAsync(gallery, ct);
                searched.Add((w, matching, load));
                floors.Add(context.SearchFloor(w.Name, load.Index.Count));
            }

            var threshold = t ?? floors.Select(f => f.Threshold).Append(SearchLimits.Floor).Max();
            foreach (var floor in floors)
            {
                SearchLimits.DemandAtLeast(threshold, floor);
            }

            var started = context.Time.GetTimestamp();
            var (probe, probeSha256, _) = Galleries.FacePreparation.Prepare(context.Engine(), request.Probe, request.Face, keepCrop: false, requireSingle: false);
            var found = new List<(StoredEntry Entry, SearchHit Hit)>();
            foreach (var (w, matching, load) in searched)
            {
                var hits = load.Index.Search(probe, GalleryIndexProjection.Parameters(load.Index, Math.Clamp(load.Index.Count, 1, 1000), threshold));
                foreach (var hit in hits)
                {
                    // Nothing below the threshold leaves this method, whatever the index returned.
                    if (hit.Score >= threshold && matching.TryGetValue(hit.SubjectId, out var entry) && !found.Any(f => f.Entry.Id == entry.Id))
                    {
                        found.Add((entry, hit));
                    }
                }
            }

            var best = found.OrderByDescending(f => f.Hit.Score).Take(k).ToList();
            ArgusMetrics.SearchDuration.Record(context.Time.GetElapsedTime(started).TotalMilliseconds, new KeyValuePair<string, object?>("kind", "watchlist"));
            ArgusMetrics.Searches.Add(1, new KeyValuePair<string, object?>("kind", "watchlist"), new KeyValuePair<string, object?>("match", best.Count > 0));
            // The search's record and its audit record (the declaration, the probe's hash, what was returned) commit together.
            var audited = context.AuditedStore<SearchRecord>(record => AuditEvent.Ok(actor.Id, AbuseDetector.SearchAction, $"search:{record.Id}", PurposeBinding.AuditDetails(
                record, best.Select(c => $"entry:{c.Entry.Id}@{c.Hit.Score.ToString("0.0000", CultureInfo.InvariantCulture)}"), threshold)));
            var record = await PurposeBinding.RecordAsync(audited, actor, declaration, approval, authorisation, probeSha256, best.Count, now, ct);
            return (record, threshold, floors, best);
        });

        var result = new List<WatchlistCandidate>();
        foreach (var (entry, hit) in candidates)
        {
            result.Add(new WatchlistCandidate(entry, hit, await context.Store.GetSubjectAsync(entry.SubjectId, ct)));
        }

        return new WatchlistSearchResult(record, threshold, floors, result);
    }

    /// <summary>
    /// Files the authorisation of an urgent search (the searcher or an approver): <paramref name="reference"/> is the
    /// number of a recorded authorisation that someone other than the searcher recorded, for the search's case and
    /// every list it searched, valid when it ran. Late filings stay on record.
    /// </summary>
    public async Task<SearchRecord> AuthoriseAsync(Principal actor, long searchId, string reference, CancellationToken ct)
    {
        var s = await context.AuditedAsync(actor.Id, "search.authorise", $"search:{searchId}", async () =>
        {
            var found = await context.Store.GetSearchAsync(searchId, ct) ?? throw new ArgusException("search.not_found", $"There is no search with id {searchId}.");
            if (found.User != actor.Id && !actor.Can(Capability.ApproveEntry))
            {
                throw new ArgusException("access.denied", $"Only the user who searched or an approver may file the authorisation of search {searchId}.");
            }

            if (found.Status != Core.Purposes.AuthorisationStatus.Pending)
            {
                throw new ArgusException("search.not_pending", $"Search {searchId} is {found.Status.ToString().ToLowerInvariant()}: only an urgent search awaiting its authorisation can be authorised.");
            }

            var authorisation = await PurposeBinding.FindAsync(context, reference, ct)
                ?? throw new ArgusException("authorisation.not_found", "The authorisation must be the number of one recorded by an authorising official; a free-text reference is not an authorisation.");
            var searcher = new Principal(found.User, found.User, new HashSet<Role>(), Scope.Nothing);
            var targets = found.Targets.Select(t => t[(t.IndexOf(':', StringComparison.Ordinal) + 1)..]);
            authorisation.DemandUsable(searcher, found.CaseReference, targets, found.PerformedAt, found.PerformedAt);
            if (authorisation.RecordedBy == actor.Id)
            {
                throw new ArgusException("authorisation.self_recorded", $"Authorisation {authorisation.Id} was recorded by {actor.Name}, who may not also file it.");
            }

            return await context.AuditedStore<SearchRecord>(s => AuditEvent.Ok(actor.Id, "search.authorised", $"search:{s.Id}", AuditDetails.Of(
                    ("authorisation_id", s.AuthorisationId), ("authorisation_ref", s.AuthorisationReference), ("due", s.AuthorisationDue), ("late", s.AuthorisedAt > s.AuthorisationDue))))
                .AuthoriseSearchAsync(searchId, authorisation.Reference, authorisation.RecordedBy, authorisation.Id, ct);
        });
        return s;
    }
}
