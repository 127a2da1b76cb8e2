using System.Diagnostics;
using Argus.Search;
using Argus.Storage;

namespace Argus.Application.Galleries;

/// <summary>How a gallery's index came to be: from its snapshot, or rebuilt from storage (and why).</summary>
public sealed record ProjectionLoad(VectorIndex Index, bool FromSnapshot, string Message, TimeSpan Elapsed);

/// <summary>
/// A gallery's search index as a projection of storage. Storage is authoritative: the index is rebuilt from it by
/// streaming the gallery's templates, and a snapshot file makes restarts fast. A snapshot is trusted only if its
/// header, checksum and storage fingerprint (template count, change sequence, highest template id) all match what
/// storage says now; anything else is rebuilt, never used.
/// </summary>
public static class GalleryIndexProjection
{
    /// <summary>Galleries at least this large are partitioned (IVF) for approximate search; smaller ones are scanned exactly.</summary>
    public const int ApproximateFrom = 200_000;

    public static string SnapshotPath(string dataDirectory, long galleryId) =>
        Path.Combine(dataDirectory, "index", $"gallery-{galleryId}.snapshot");

    public static string Fingerprint(long galleryId, StoreFingerprint f) =>
        $"gallery={galleryId};templates={f.TemplateCount};seq={f.ChangeSequence};max={f.MaxTemplateId}";

    public static async Task<ProjectionLoad> LoadAsync(ArgusStore store, Gallery gallery, string dataDirectory, CancellationToken ct = default)
    {
        var watch = Stopwatch.StartNew();
        var path = SnapshotPath(dataDirectory, gallery.Id);
        var expected = Fingerprint(gallery.Id, await store.GetFingerprintAsync(gallery.Id, ct));
        var reason = "no snapshot";
        if (File.Exists(path))
        {
            var loaded = IndexSnapshot.TryLoad(path, gallery.Contract, expected);
            if (loaded.Succeeded)
            {
                return new ProjectionLoad(loaded.Index!, true, $"loaded snapshot {path}", watch.Elapsed);
            }

            reason = loaded.Message;
        }

        var index = await RebuildAsync(store, gallery, dataDirectory, ct);
        return new ProjectionLoad(index, false, $"rebuilt from storage ({reason})", watch.Elapsed);
    }

    /// <summary>Streams every template of the gallery into a new index and writes its snapshot.</summary>
    public static async Task<VectorIndex> RebuildAsync(ArgusStore store, Gallery gallery, string dataDirectory, CancellationToken ct = default)
    {
        var index = new VectorIndex(gallery.Contract);
        StoreFingerprint? snapshot = null;
        await foreach (var batch in store.StreamTemplatesAsync(gallery.Id, ct: ct))
        {
            snapshot = batch.Snapshot;
            for (var i = 0; i < batch.Count; i++)
            {
                index.Add(batch.TemplateIds[i], batch.SubjectIds[i], gallery.Id, batch.Vector(i));
            }
        }

        if (index.Count >= ApproximateFrom)
        {
            index.Train(IvfTraining.ForSize(index.Count));
        }

        var fingerprint = snapshot ?? await store.GetFingerprintAsync(gallery.Id, ct);
        var path = SnapshotPath(dataDirectory, gallery.Id);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        IndexSnapshot.Save(index, path, Fingerprint(gallery.Id, fingerprint));
        return index;
    }

    /// <summary>Inverted lists an approximate search visits (see docs/benchmarks.md, search section, for the recall it buys).</summary>
    public const int Probes = 64;

    /// <summary>Search parameters for this index: exact below <see cref="ApproximateFrom"/>, <see cref="Probes"/> lists above.</summary>
    public static SearchParameters Parameters(VectorIndex index, int k, float threshold) =>
        index.IsTrained ? new SearchParameters(k, threshold, Probes) : new SearchParameters(k, threshold);
}
