using System.Globalization;
using Argus.Application.Galleries;
using Argus.Core;
using Argus.Core.Access;
using Argus.Core.Audit;
using Argus.Core.Faces;
using Argus.Search;
using Argus.Storage;

namespace Argus.Application.Searches;

/// <summary>A watchlist search: the probe, the watchlists, and how many candidates at or above which similarity.</summary>
public sealed record WatchlistSearchRequest(IReadOnlyList<string> Watchlists, SearchDeclarationInput Declaration, ImageInput Probe, int? Face = null, int Top = 5, float Threshold = MatchThresholds.Identification);

/// <summary>One candidate: the active entry it matched (with its legal basis) and the subject.</summary>
public sealed record WatchlistCandidate(StoredEntry Entry, SearchHit Hit, Subject? Subject);

public sealed record WatchlistSearchResult(SearchRecord Record, float Threshold, IReadOnlyList<WatchlistCandidate> Candidates);

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
        var (record, candidates) = await context.AuditedAsync(actor.Id, "search.request", string.Join(",", names.Select(n => "watchlist:" + n)), async () =>
        {
            if (k is < 1 or > 100 || !float.IsFinite(t) || t < -1 || t > 1)
            {
                throw new ArgusException("argument.invalid", "--top must be 1-100 and --threshold between -1 and 1.");
            }

            if (names.Length == 0)
            {
                throw new ArgusException("argument.invalid", "Name at least one watchlist to search.");
            }

            var (declaration, approval) = await PurposeBinding.ApproveAsync(context, request.Declaration, actor, names, [], now, ct);
            var lists = new List<Storage.Watchlist>();
            foreach (var n in names)
            {
                lists.Add(await context.Store.GetWatchlistAsync(n, ct));
            }

            var started = context.Time.GetTimestamp();
            var (probe, probeSha256, _) = Galleries.FacePreparation.Prepare(context.Engine(), request.Probe, request.Face, keepCrop: false, requireSingle: false);
            var found = new List<(StoredEntry Entry, SearchHit Hit)>();
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
            ArgusMetrics.SearchDuration.Record(context.Time.GetElapsedTime(started).TotalMilliseconds, new KeyValuePair<string, object?>("kind", "watchlist"));
            ArgusMetrics.Searches.Add(1, new KeyValuePair<string, object?>("kind", "watchlist"), new KeyValuePair<string, object?>("match", best.Count > 0));
            // The search's record and its audit record (the declaration, the probe's hash, what was returned) commit together.
            var audited = context.AuditedStore<SearchRecord>(record => AuditEvent.Ok(actor.Id, AbuseDetector.SearchAction, $"search:{record.Id}", PurposeBinding.AuditDetails(
                record, best.Select(c => $"entry:{c.Entry.Id}@{c.Hit.Score.ToString("0.0000", CultureInfo.InvariantCulture)}"), t)));
            var record = await PurposeBinding.RecordAsync(audited, actor, declaration, approval, probeSha256, best.Count, now, ct);
            return (record, best);
        });

        var result = new List<WatchlistCandidate>();
        foreach (var (entry, hit) in candidates)
        {
            result.Add(new WatchlistCandidate(entry, hit, await context.Store.GetSubjectAsync(entry.SubjectId, ct)));
        }

        return new WatchlistSearchResult(record, t, result);
    }

    /// <summary>Files the authorisation of an urgent search (the searcher or an approver); late filings stay on record.</summary>
    public async Task<SearchRecord> AuthoriseAsync(Principal actor, long searchId, string reference, CancellationToken ct)
    {
        var s = await context.AuditedAsync(actor.Id, "search.authorise", $"search:{searchId}", async () =>
        {
            var found = await context.Store.GetSearchAsync(searchId, ct) ?? throw new ArgusException("search.not_found", $"There is no search with id {searchId}.");
            if (found.User != actor.Id && !actor.Can(Capability.ApproveEntry))
            {
                throw new ArgusException("access.denied", $"Only the user who searched or an approver may file the authorisation of search {searchId}.");
            }

            return await context.AuditedStore<SearchRecord>(s => AuditEvent.Ok(actor.Id, "search.authorised", $"search:{s.Id}", AuditDetails.Of(
                    ("authorisation_ref", s.AuthorisationReference), ("due", s.AuthorisationDue), ("late", s.AuthorisedAt > s.AuthorisationDue))))
                .AuthoriseSearchAsync(searchId, reference, actor.Id, ct);
        });
        return s;
    }
}
