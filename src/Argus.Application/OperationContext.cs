using System.Globalization;
using Argus.Core.Audit;
using Argus.Storage;
using Argus.Vision.Pipeline;

namespace Argus.Application;

/// <summary>
/// What every operation needs: the store, the audit chain, the face engine (built on first use), the data directory
/// (index snapshots), the clock and the ARGUS_* settings. The CLI builds one per invocation; the server one per process.
/// Thread-safe as long as the store and engine are (they are).
/// </summary>
public sealed class OperationContext
{
    private readonly Func<FaceEngine> _engine;
    private readonly Func<string, string?> _settings;
    private readonly Galleries.GalleryIndexCache? _indexes;
    private CalibrationCache? _calibration;

    public OperationContext(
        ArgusStore store, AuditChain auditChain, Func<FaceEngine> engine, string dataDirectory, TimeProvider time, Func<string, string?> settings, Galleries.GalleryIndexCache? indexes = null)
    {
        _indexes = indexes;
        Store = store;
        AuditChain = auditChain;
        _engine = engine;
        DataDirectory = dataDirectory;
        Time = time;
        _settings = settings;
        Trail = new Auditing.AuditTrail(store, auditChain);
    }

    public ArgusStore Store { get; }

    public AuditChain AuditChain { get; }

    public string DataDirectory { get; }

    public TimeProvider Time { get; }

    public DateTimeOffset Now => Time.GetUtcNow();

    public FaceEngine Engine() => _engine();

    /// <summary>A gallery's index: from the process's cache when there is one (the server), else its snapshot or storage.</summary>
    public Task<Galleries.ProjectionLoad> LoadIndexAsync(Gallery gallery, CancellationToken ct) =>
        _indexes is { } cache ? cache.LoadAsync(Store, gallery, DataDirectory, ct) : Galleries.GalleryIndexProjection.LoadAsync(Store, gallery, DataDirectory, ct);

    /// <summary>Rebuilds a gallery's index from storage now (after an erasure, so no later search can find what was erased).</summary>
    public Task RebuildIndexAsync(Gallery gallery, CancellationToken ct) =>
        _indexes is { } cache ? cache.RebuildAsync(Store, gallery, DataDirectory, ct) : Galleries.GalleryIndexProjection.RebuildAsync(Store, gallery, DataDirectory, ct);

    /// <summary>
    /// The floor of a searched list of <paramref name="comparisons"/> templates (<see cref="Core.Purposes.SearchLimits.FloorFor"/>),
    /// from the operating points <c>argus calibrate --save</c> wrote for this engine's contract; without them (none
    /// saved, unreadable, or another contract's) the fixed floor, and the floor says it is not calibrated.
    /// </summary>
    public Core.Purposes.ListFloor SearchFloor(string list, long comparisons) =>
        Core.Purposes.SearchLimits.FloorFor(list, comparisons, Calibration());

    private IReadOnlyList<Core.Purposes.CalibrationPoint> Calibration()
    {
        var path = ServiceGalleries.OperatingPointTable.PathIn(DataDirectory);
        var file = new FileInfo(path);
        var (at, length) = file.Exists ? (file.LastWriteTimeUtc, file.Length) : (DateTime.MinValue, -1L);
        if (Volatile.Read(ref _calibration) is { } cached && cached.At == at && cached.Length == length)
        {
            return cached.Points;
        }

        IReadOnlyList<Core.Purposes.CalibrationPoint> points = [];
        if (file.Exists)
        {
            try
            {
                points = [.. ServiceGalleries.OperatingPointTable.Load(path, Engine().Contract).Points.Select(p => new Core.Purposes.CalibrationPoint(p.TargetFmr, p.Threshold))];
            }
            catch (Exception e) when (e is Core.ArgusException or IOException)
            {
                points = [];
            }
        }

        // One reference swapped whole, so a concurrent search never sees one file's date with another's points.
        Volatile.Write(ref _calibration, new CalibrationCache(at, length, points));
        return points;
    }

    private sealed record CalibrationCache(DateTime At, long Length, IReadOnlyList<Core.Purposes.CalibrationPoint> Points);

    /// <summary>Drops a deleted gallery's index and snapshot.</summary>
    public void ForgetIndex(long galleryId)
    {
        _indexes?.Forget(galleryId);
        File.Delete(Galleries.GalleryIndexProjection.SnapshotPath(DataDirectory, galleryId));
    }

    /// <summary>An ARGUS_* setting (environment for the CLI; configuration plus environment for the server), null when unset or empty.</summary>
    public string? Setting(string name) => _settings(name) is { Length: > 0 } v ? v : null;

    public int PositiveInt(string name, int fallback) =>
        int.TryParse(Setting(name), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : fallback;

    public double PositiveDouble(string name, double fallback) =>
        double.TryParse(Setting(name), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && d > 0 ? d : fallback;

    /// <summary>
    /// Appends to the audit log on its own: for reads and refusals, which change nothing. A change is audited with
    /// <c>AuditedStore</c> instead, so that it and its record commit together. Records are kept even when
    /// the data they mention is erased later.
    /// </summary>
    public Task AuditAsync(AuditEvent e, CancellationToken ct) => Trail.AppendAsync(e, ct);

    /// <summary>
    /// Records <paramref name="e"/> as one more occurrence of the group <paramref name="key"/> under
    /// <paramref name="policy"/> (see <see cref="Auditing.AuditGrouping"/>): for events that can repeat without bound
    /// (refusals of strangers, polled reads), so that the log grows with what happened, not with how often it was tried.
    /// </summary>
    public Task AuditGroupedAsync(string key, AuditEvent e, AuditGroupPolicy policy, CancellationToken ct, long count = 1) =>
        Store.AppendGroupedAuditAsync(AuditChain, key, e, policy, count, ct);

    /// <summary>The store for one change whose audit record <paramref name="e"/> commits in the change's transaction.</summary>
    public ArgusStore AuditedStore(AuditEvent e) => Trail.Store(e);

    /// <summary>The store for one change whose audit record is made from its result (a new id) and commits in the change's transaction.</summary>
    public ArgusStore AuditedStore<T>(Func<T, AuditEvent> record) => Trail.Store(record);

    /// <summary>As <see cref="AuditedStore{T}(Func{T, AuditEvent})"/>, for a change that is several records.</summary>
    public ArgusStore AuditedStore<T>(Func<T, IEnumerable<AuditEvent>> records) => Trail.Store(records);

    /// <summary>The one audited-operation helper over this context's store and chain.</summary>
    internal Auditing.AuditTrail Trail { get; }

    /// <summary>
    /// Runs <paramref name="body"/>; a refusal from it (not a storage failure) is audited as <paramref name="action"/>
    /// refused, with its code, reason and message, before it propagates (<see cref="Auditing.AuditTrail.GuardAsync"/>).
    /// </summary>
    public Task<T> AuditedAsync<T>(string actor, string action, string target, Func<Task<T>> body) =>
        Trail.GuardAsync(actor, action, target, body, CancellationToken.None);

    public Task AuditedAsync(string actor, string action, string target, Action body) =>
        AuditedAsync(actor, action, target, () => { body(); return Task.FromResult(0); });
}
