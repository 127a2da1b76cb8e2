using System.Collections.Concurrent;
using Argus.Storage;

namespace Argus.Application.Galleries;

/// <summary>
/// A long-running process's gallery indexes, kept in memory between requests and checked against the store's O(1)
/// fingerprint on every use: a gallery that changed (enrolment, erasure, another process) is reloaded from its snapshot
/// or rebuilt from storage, which stays authoritative. Loads and rebuilds of one gallery are serialised, so concurrent
/// requests never build the same index twice or write its snapshot at the same time.
/// </summary>
public sealed class GalleryIndexCache
{
    private readonly ConcurrentDictionary<long, Slot> _slots = new();

    public async Task<ProjectionLoad> LoadAsync(ArgusStore store, Gallery gallery, string dataDirectory, CancellationToken ct)
    {
        var slot = _slots.GetOrAdd(gallery.Id, _ => new Slot());
        var fingerprint = GalleryIndexProjection.Fingerprint(gallery.Id, await store.GetFingerprintAsync(gallery.Id, ct));
        if (slot.Current is { } hit && hit.Fingerprint == fingerprint)
        {
            return hit.Load with { Message = "in memory", Elapsed = TimeSpan.Zero };
        }

        await slot.Gate.WaitAsync(ct);
        try
        {
            if (slot.Current is { } again && again.Fingerprint == fingerprint)
            {
                return again.Load with { Message = "in memory", Elapsed = TimeSpan.Zero };
            }

            var load = await GalleryIndexProjection.LoadAsync(store, gallery, dataDirectory, ct);
            slot.Current = new Cached(fingerprint, load);
            return load;
        }
        finally
        {
            slot.Gate.Release();
        }
    }

    /// <summary>Rebuilds a gallery's index now (after an erasure), under the same gate as loads.</summary>
    public async Task RebuildAsync(ArgusStore store, Gallery gallery, string dataDirectory, CancellationToken ct)
    {
        var slot = _slots.GetOrAdd(gallery.Id, _ => new Slot());
        await slot.Gate.WaitAsync(ct);
        try
        {
            slot.Current = null;
            await GalleryIndexProjection.RebuildAsync(store, gallery, dataDirectory, ct);
        }
        finally
        {
            slot.Gate.Release();
        }
    }

    public void Forget(long galleryId) => _slots.TryRemove(galleryId, out _);

    private sealed record Cached(string Fingerprint, ProjectionLoad Load);

    private sealed class Slot
    {
        private Cached? _current;

        public SemaphoreSlim Gate { get; } = new(1, 1);

        public Cached? Current
        {
            get => Volatile.Read(ref _current);
            set => Volatile.Write(ref _current, value);
        }
    }
}
