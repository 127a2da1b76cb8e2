using Argus.Core;
using Argus.Core.Faces;
using Argus.Vision.Imaging;
using Argus.Vision.Pipeline;

namespace Argus.Bench;

/// <summary>
/// The primary face of one image with its template from the aligned crop (<see cref="Plain"/>) and from the crop's
/// mirror image (<see cref="Mirror"/>), or why there is none. The evaluations of issue 17 all start from these, so
/// each image is analysed once per run.
/// </summary>
public sealed record FaceViews(string Path, string Identity, Face? Face, Embedding? Plain, Embedding? Mirror, string? Error)
{
    public bool Failed => Plain is null;

    /// <summary>The template the engine makes with mirror fusion on: the mean of both views, renormalised.</summary>
    public Embedding? Fused(EmbeddingContract fusedContract) =>
        Plain is null || Mirror is null ? null : Embedding.Fuse([Plain, Mirror], [], fusedContract);

    /// <summary>The template <paramref name="engine"/> itself makes for this face (mirror-fused or plain, per its options).</summary>
    public Embedding? Template(FaceEngine engine) => engine.Options.MirrorFusion ? Fused(engine.Contract) : Plain;

    /// <summary>The template of one variant: plain, or mirror-fused.</summary>
    public Embedding? Template(bool mirror, EmbeddingContract fusedContract) => mirror ? Fused(fusedContract) : Plain;
}

/// <summary>Analyses many images in parallel into <see cref="FaceViews"/>.</summary>
public static class FaceViewSet
{
    /// <summary>
    /// The identity of a faces-dev image path: its folder (<c>images/IDENTITY/file</c>), as SOURCES.md defines it.
    /// </summary>
    public static string IdentityOf(string path)
    {
        var parts = path.Replace('\\', '/').Split('/');
        return parts.Length >= 2 ? parts[^2] : throw new ArgusException("csv.invalid", $"{path}: no identity folder in the path.");
    }

    public static Dictionary<string, FaceViews> EmbedAll(
        FaceEngine engine, IEnumerable<string> relativePaths, string root, int workers, IProgress<int>? progress = null)
    {
        var paths = relativePaths.Distinct(StringComparer.Ordinal).ToArray();
        var results = new FaceViews[paths.Length];
        var done = 0;
        Parallel.For(0, paths.Length, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, workers) }, i =>
        {
            results[i] = One(engine, paths[i], root);
            progress?.Report(Interlocked.Increment(ref done));
        });
        return results.ToDictionary(r => r.Path, StringComparer.Ordinal);
    }

    private static FaceViews One(FaceEngine engine, string relativePath, string root)
    {
        var identity = IdentityOf(relativePath);
        try
        {
            using var image = ImageDecoder.DecodeFile(System.IO.Path.Combine(root, relativePath));
            // Landmarks and quality only; both views are embedded below (the engine's own embedding would be a third).
            var result = engine.AnalyzePrimary(image, analysis: FaceAnalysis.None);
            if (result.Face is not { Status: FaceStatus.NotEmbedded } face)
            {
                return new FaceViews(relativePath, identity, result.Face, null, null, result.Face is null ? "no face detected" : $"face {result.Face.Status}");
            }

            var (plain, mirror) = engine.EmbedBothViews(image, face);
            return plain.RawNorm < engine.Options.MinEmbeddingNorm
                ? new FaceViews(relativePath, identity, face, null, null, $"face {FaceStatus.PoorQuality}")
                : new FaceViews(relativePath, identity, face, plain, mirror, null);
        }
        catch (ArgusException e)
        {
            return new FaceViews(relativePath, identity, null, null, null, e.Message);
        }
    }
}

/// <summary>
/// Two folds by identity (identities sorted by name, alternating), so that a threshold or rule chosen on one fold is
/// reported on the other: no person is on both sides.
/// </summary>
public sealed class IdentityFolds
{
    private readonly Dictionary<string, int> _fold;

    public IdentityFolds(IEnumerable<string> identities)
    {
        _fold = identities.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)
            .Select((id, i) => (id, i)).ToDictionary(x => x.id, x => x.i % 2, StringComparer.Ordinal);
    }

    /// <summary>The fold (0 or 1) of an identity; an unknown identity is refused.</summary>
    public int Of(string identity) =>
        _fold.TryGetValue(identity, out var f) ? f : throw new ArgusException("csv.invalid", $"Identity {identity} is in no fold.");
}
