using System.Diagnostics;
using Argus.Core.Evaluation;
using Argus.Core.Faces;
using Argus.Vision.Imaging;
using Argus.Vision.Pipeline;

namespace Argus.Bench;

/// <summary>The figures of one template variant (plain, or mirror-fused) in <see cref="MirrorEvaluation"/>.</summary>
public sealed record MirrorVariant(
    string Name,
    VerificationReport Pairs,
    HeldOutRate PairsHeldOut,
    IdentificationReport Identify,
    HeldOutRate IdentifyHeldOut1E2);

public sealed record MirrorResult(
    MirrorVariant Plain,
    MirrorVariant Fused,
    double MeanGenuineGain,
    double MeanImpostorChange,
    int TimedFaces,
    double PlainMsPerFace,
    double FusedMsPerFace,
    IReadOnlyList<FaceViews> FailedImages);

/// <summary>
/// Test-time augmentation (issue 17): the same images scored with plain templates and with mirror-fused ones (the
/// aligned crop and its mirror image, mean of the normalised vectors, renormalised). 1:1 on a pairs CSV, open-set 1:N
/// on a gallery and probes CSV, and held-out rates at thresholds chosen on the other identity fold. The cost is timed
/// on one thread: the whole per-face analysis (landmarks, alignment, embedding) with each engine on the same faces.
/// </summary>
public static class MirrorEvaluation
{
    public static MirrorResult Run(
        FaceEngine plainEngine, FaceEngine fusedEngine, string pairsCsv, string galleryCsv, string probesCsv, string root, int workers,
        string? subset = null, int timedFaces = 40, IProgress<(int Done, int Total)>? progress = null)
    {
        var pairs = CsvTable.Load(pairsCsv, "path1", "path2", "same");
        var gallery = CsvTable.Load(galleryCsv, "path", "identity");
        var probes = CsvTable.Load(probesCsv, "path", "identity", "in_gallery");
        bool In(CsvTable t, string[] r) => subset is null || !t.Has("subset") || t.Get(r, "subset") == subset;
        var pairRows = pairs.Rows.Where(r => In(pairs, r)).ToArray();
        var galleryRows = gallery.Rows.Where(r => In(gallery, r)).ToArray();
        var probeRows = probes.Rows.Where(r => In(probes, r)).ToArray();
        if (pairRows.Length == 0 || galleryRows.Length == 0 || probeRows.Length == 0)
        {
            throw new Core.ArgusException("csv.invalid", $"No pairs, gallery rows or probes{(subset is null ? "" : $" in subset '{subset}'")}.");
        }

        var paths = pairRows.SelectMany(r => new[] { pairs.Get(r, "path1"), pairs.Get(r, "path2") })
            .Concat(galleryRows.Select(r => gallery.Get(r, "path"))).Concat(probeRows.Select(r => probes.Get(r, "path")))
            .Distinct(StringComparer.Ordinal).ToArray();
        var views = FaceViewSet.EmbedAll(plainEngine, paths, root, workers, progress is null ? null : new Progress<int>(d => progress.Report((d, paths.Length))));
        var folds = new IdentityFolds(views.Values.Select(v => v.Identity)
            .Concat(galleryRows.Select(r => gallery.Get(r, "identity"))).Concat(probeRows.Select(r => probes.Get(r, "identity"))));
        var fusedContract = fusedEngine.Contract;

        MirrorVariant Score(bool mirror)
        {
            var scored = new List<(ScoredPair Pair, int Fold)>(pairRows.Length);
            var line = 1;
            foreach (var row in pairRows)
            {
                line++;
                var a = views[pairs.Get(row, "path1")];
                var b = views[pairs.Get(row, "path2")];
                var ta = a.Template(mirror, fusedContract);
                var tb = b.Template(mirror, fusedContract);
                var fa = folds.Of(a.Identity);
                scored.Add((new ScoredPair(ta is null || tb is null ? -1f : ta.Similarity(tb), pairs.GetInt(row, "same", line) == 1), fa == folds.Of(b.Identity) ? fa : -1));
            }

            var templates = galleryRows
                .Select(r => (Identity: gallery.Get(r, "identity"), Template: views[gallery.Get(r, "path")].Template(mirror, fusedContract)))
                .Where(t => t.Template is not null).Select(t => (t.Identity, t.Template!)).ToArray();
            var outcomes = new List<FoldedOutcome>(probeRows.Length);
            line = 1;
            foreach (var row in probeRows)
            {
                line++;
                var identity = probes.Get(row, "identity");
                var outcome = OpenSet.Search(templates, identity, probes.GetInt(row, "in_gallery", line) == 1, views[probes.Get(row, "path")].Template(mirror, fusedContract));
                outcomes.Add(new FoldedOutcome(outcome, folds.Of(identity)));
            }

            return new MirrorVariant(
                mirror ? "mirror-fused" : "plain",
                VerificationMetrics.Evaluate([.. scored.Select(s => s.Pair)]),
                OpenSet.HeldOutPairs(scored, 1e-3),
                IdentificationMetrics.Evaluate([.. outcomes.Select(o => o.Outcome)]),
                OpenSet.HeldOut(outcomes, 1e-2));
        }

        var plain = Score(false);
        var fused = Score(true);
        var (plainMs, fusedMs, timed) = Time(plainEngine, fusedEngine, views.Values.Where(v => !v.Failed).Select(v => v.Path).Order(StringComparer.Ordinal).Take(timedFaces), root);
        return new MirrorResult(
            plain,
            fused,
            fused.Pairs.Genuine.Mean - plain.Pairs.Genuine.Mean,
            fused.Pairs.Impostor.Mean - plain.Pairs.Impostor.Mean,
            timed,
            plainMs,
            fusedMs,
            [.. views.Values.Where(v => v.Failed).OrderBy(v => v.Path, StringComparer.Ordinal)]);
    }

    /// <summary>
    /// Milliseconds per face of the per-face analysis with each engine, on one thread, on the same decoded images
    /// and detections (median of 5 alternating runs per face, averaged over the faces).
    /// </summary>
    private static (double Plain, double Fused, int Faces) Time(FaceEngine plainEngine, FaceEngine fusedEngine, IEnumerable<string> paths, string root)
    {
        double plainSum = 0, fusedSum = 0;
        var faces = 0;
        foreach (var path in paths)
        {
            using var image = ImageDecoder.DecodeFile(Path.Combine(root, path));
            var detections = plainEngine.Detect(image);
            if (detections.Count == 0)
            {
                continue;
            }

            var detection = detections[PrimaryFace.Select(detections, image.Width, image.Height)];
            var p = new double[5];
            var f = new double[5];
            for (var i = 0; i < 5; i++)
            {
                var start = Stopwatch.GetTimestamp();
                plainEngine.AnalyzeFace(image, detection);
                p[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                start = Stopwatch.GetTimestamp();
                fusedEngine.AnalyzeFace(image, detection);
                f[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            }

            plainSum += p.Order().ElementAt(2);
            fusedSum += f.Order().ElementAt(2);
            faces++;
        }

        return faces == 0 ? (double.NaN, double.NaN, 0) : (plainSum / faces, fusedSum / faces, faces);
    }
}
