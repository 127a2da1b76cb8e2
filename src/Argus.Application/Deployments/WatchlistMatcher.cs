using Argus.Application.Galleries;
using Argus.Core.Faces;
using Argus.Search;
using Argus.Storage;
using Argus.Video;

namespace Argus.Application.Deployments;

/// <summary>
/// A deployment's working copy of its watchlists: the index of each watchlist's gallery, answering only for subjects
/// with an active, approved entry that has not expired (checked at every match, so an entry expiring during the
/// deployment stops matching at once). It lives only in memory and is discarded when the deployment ends.
/// </summary>
public sealed class WatchlistMatcher : IFaceMatcher
{
    private readonly List<VectorIndex> _indexes = [];
    private readonly Dictionary<long, (StoredEntry Entry, string Name)> _entries = [];
    private readonly TimeProvider _time;

    private WatchlistMatcher(IReadOnlyList<string> watchlists, TimeProvider time)
    {
        Watchlists = watchlists;
        _time = time;
    }

    public IReadOnlyList<string> Watchlists { get; }

    public int Entries => _entries.Count;

    public float Threshold { get; init; } = MatchThresholds.Identification;

    /// <summary>The entries (id and version) this copy answers for: a different value means the watchlists changed.</summary>
    public string Signature { get; private init; } = "";

    public static async Task<WatchlistMatcher> BuildAsync(
        ArgusStore store, IReadOnlyList<string> names, string dataDirectory, TimeProvider time, CancellationToken ct, float? threshold = null)
    {
        var now = time.GetUtcNow();
        var entries = new Dictionary<long, (StoredEntry, string)>();
        var indexes = new List<VectorIndex>();
        foreach (var name in names)
        {
            var watchlist = await store.GetWatchlistAsync(name, ct);
            foreach (var entry in await store.ListMatchingEntriesAsync(watchlist.Id, now, ct))
            {
                var subject = await store.GetSubjectAsync(entry.SubjectId, ct);
                entries[entry.SubjectId] = (entry, subject?.DisplayName ?? $"subject {entry.SubjectId}");
            }

            if (await store.GetGalleryAsync(watchlist.GalleryId, ct) is { TemplateCount: > 0 } gallery)
            {
                indexes.Add((await GalleryIndexProjection.LoadAsync(store, gallery, dataDirectory, ct)).Index);
            }
        }

        var matcher = new WatchlistMatcher(names, time)
        {
            Threshold = threshold ?? MatchThresholds.Identification,
            Signature = string.Join(',', entries.Values.Select(e => $"{e.Item1.Id}:{e.Item1.Entry.Current.Version}").Order(StringComparer.Ordinal)),
        };
        matcher._indexes.AddRange(indexes);
        foreach (var (subject, entry) in entries)
        {
            matcher._entries[subject] = entry;
        }

        return matcher;
    }

    public StoredEntry EntryOf(long subjectId) => _entries[subjectId].Entry;

    public bool TryGetEntry(long subjectId, out StoredEntry entry)
    {
        var found = _entries.TryGetValue(subjectId, out var e);
        entry = e.Entry;
        return found;
    }

    public FaceMatch? BestMatch(Embedding probe)
    {
        var now = _time.GetUtcNow();
        FaceMatch? best = null;
        foreach (var index in _indexes)
        {
            foreach (var hit in index.Search(probe, GalleryIndexProjection.Parameters(index, 5, Threshold)))
            {
                if (_entries.TryGetValue(hit.SubjectId, out var entry) && entry.Entry.Entry.MatchesAt(now)
                    && hit.Score > (best?.Score ?? float.NegativeInfinity))
                {
                    best = new FaceMatch(hit.SubjectId, hit.TemplateId, entry.Name, hit.Score);
                }
            }
        }

        return best;
    }
}
