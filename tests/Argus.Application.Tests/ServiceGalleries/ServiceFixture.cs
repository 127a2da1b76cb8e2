using System.Security.Cryptography;
using Argus.Application.ServiceGalleries;
using Argus.Core.Access;
using Argus.Core.Audit;
using Argus.Core.Evaluation;
using Argus.Core.Faces;
using Argus.Storage;
using Argus.Tests;
using Argus.Vision.Imaging;
using Argus.Vision.Pipeline;
using Microsoft.Extensions.Time.Testing;

namespace Argus.Application.Tests.ServiceGalleries;

/// <summary>
/// One engine (liveness and pose on), one SQLite store, and a calibration computed on faces-dev's gallery and probe
/// images exactly as <c>argus calibrate --save</c> does (every same-identity pair genuine, every other pair impostor),
/// saved where verification reads it. Embeddings of every faces-dev image used are cached for the pair tests.
/// </summary>
public sealed class ServiceFixture : IAsyncLifetime
{
    private static int _names;

    /// <summary>A gallery or watchlist name unique in the shared store, whichever test class asks.</summary>
    public static string UniqueName(string prefix) => $"{prefix}-{Interlocked.Increment(ref _names)}";

    public static readonly Principal Clerk = new("clerk", "clerk", new HashSet<Role> { Role.EnrolmentClerk }, Scope.Everything);
    public static readonly Principal Terminal = new("gate-1", "gate-1", new HashSet<Role> { Role.ServiceTerminal }, Scope.Everything);
    public static readonly Principal Investigator = new("ann", "ann", new HashSet<Role> { Role.Investigator }, Scope.Everything);

    private readonly TempDirectory _directory = TestPaths.TempDirectory();
    private readonly Dictionary<string, Embedding?> _embeddings = [];
    private ArgusStore? _store;
    private FaceEngine? _engine;
    private ServiceContext? _context;
    private string? _skip;

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 11, 27, 8, 0, 0, TimeSpan.Zero));

    public AuditChain Audit { get; } = new(RandomNumberGenerator.GetBytes(32));

    public string Key { get; } = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    public string DataDirectory => _directory.Path;

    public ArgusStore Store => _store!;

    public FaceEngine Engine => _engine!;

    public CalibrationReport? Calibration { get; private set; }

    /// <summary>The context; skips the calling test when faces-dev is absent (no calibration, no faces).</summary>
    public ServiceContext Context
    {
        get
        {
            Skip.If(_skip is not null, _skip);
            return _context!;
        }
    }

    public async Task InitializeAsync()
    {
        _store = await ArgusStore.OpenAsync(StorageOptions.Sqlite(_directory.File("argus.db")) with { TimeProvider = Time });
        _engine = new FaceEngineBuilder().UseModelDirectory(TestPaths.Models).EnableLiveness().EnablePose().Build();
        if (!File.Exists(Path.Combine(TestPaths.FacesDev, "pairs.csv")))
        {
            _skip = $"faces-dev not found at {TestPaths.FacesDev}; set ARGUS_FACES_DEV or place it at ../shared/data/faces-dev.";
            return;
        }

        // gallery.csv + probes.csv: the same images argus calibrate is run on (docs/accuracy.md).
        var items = new List<(string Identity, Embedding Embedding)>();
        foreach (var file in (string[])["gallery.csv", "probes.csv"])
        {
            foreach (var line in File.ReadLines(Path.Combine(TestPaths.FacesDev, file)).Skip(1))
            {
                var cells = line.TrimEnd('\r').Split(',');
                if (Embed(cells[0]) is { } e && !items.Exists(i => ReferenceEquals(i.Embedding, e)))
                {
                    items.Add((cells[1], e));
                }
            }
        }

        var genuine = new List<float>();
        var impostor = new List<float>();
        for (var i = 0; i < items.Count; i++)
        {
            for (var j = i + 1; j < items.Count; j++)
            {
                (items[i].Identity == items[j].Identity ? genuine : impostor).Add(items[i].Embedding.Similarity(items[j].Embedding));
            }
        }

        Calibration = Core.Evaluation.Calibration.Calibrate(genuine, impostor);
        var json = OperatingPointTable.ToJson(Calibration, _engine.Contract, Time.GetUtcNow(), items.Count, items.Select(i => i.Identity).Distinct().Count(), 0);
        await File.WriteAllTextAsync(OperatingPointTable.PathIn(DataDirectory), json.ToJsonString());
        _context = ServiceContext.Create(_store, Audit, _engine, Key, DataDirectory, Time);
    }

    /// <summary>The primary face's embedding of a faces-dev image (cached), or null when it has no usable face.</summary>
    public Embedding? Embed(string relative)
    {
        lock (_embeddings)
        {
            if (!_embeddings.TryGetValue(relative, out var e))
            {
                using var image = ImageDecoder.DecodeFile(Path.Combine(TestPaths.FacesDev, relative));
                var face = _engine!.AnalyzePrimary(image).Face;
                e = face is { IsUsable: true } ? face.Embedding : null;
                _embeddings[relative] = e;
            }

            return e;
        }
    }

    public static byte[] Bytes(string relative) => File.ReadAllBytes(Path.Combine(TestPaths.FacesDev, relative));

    /// <summary>faces-dev pairs: (path1, path2, same, subset).</summary>
    public static IEnumerable<(string A, string B, bool Same, string Subset)> Pairs() =>
        File.ReadLines(Path.Combine(TestPaths.FacesDev, "pairs.csv")).Skip(1).Select(l => l.TrimEnd('\r').Split(',')).Select(c => (c[0], c[1], c[2] == "1", c[3]));

    public async Task DisposeAsync()
    {
        if (_store is not null)
        {
            await _store.DisposeAsync();
        }

        _engine?.Dispose();
        _directory.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class ServiceGroup : ICollectionFixture<ServiceFixture>
{
    public const string Name = "service";
}
