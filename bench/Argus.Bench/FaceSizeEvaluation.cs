using Argus.Core;
using Argus.Core.Evaluation;
using Argus.Core.Faces;
using Argus.Video;
using Argus.Vision.Imaging;
using Argus.Vision.Pipeline;
using OpenCvSharp;

namespace Argus.Bench;

/// <summary>
/// How the pipeline's verification holds up at one probe face size (the detector's square box side, in pixels).
/// <see cref="FixedThresholdTar"/> and <see cref="FixedThresholdFar"/> use the threshold that gave FAR 1e-3 at full
/// size, i.e. what a deployment calibrated on photos would see on faces this small; <see cref="GenuineAtIdentification"/>
/// is the share of same-person scores at or above the 1:N threshold (<see cref="MatchThresholds.Identification"/>)
/// that watchlist matching starts from.
/// </summary>
public sealed record FaceSizeRow(
    int? Size,
    VerificationReport Report,
    double FixedThresholdTar,
    double FixedThresholdFar,
    double GenuineAtIdentification,
    int Probes,
    int ProbesNotShrunk,
    double MedianNorm,
    double PoorQualityRate,
    double MedianShotQuality,
    double BelowShotQualityRate);

/// <summary>
/// 1:1 verification with the probe side of each pair shrunk until its face is <c>size</c> pixels wide: the
/// enrolment (path1) stays at full size, as a gallery photo would; the probe (path2) is detected at full size, the
/// whole image is shrunk with area interpolation (what a camera's optics and sensor do, without compression), and the
/// face is analysed inside the shrunk image from the scaled box. Detection is kept out on purpose: this measures
/// what landmarks, alignment and the embedder can still do with a small face, which is what the quality gate must
/// judge. The engine must not gate sizes itself (<see cref="FaceEngineOptions.MinFaceSize"/> 1).
/// </summary>
public static class FaceSizeEvaluation
{
    public static IReadOnlyList<FaceSizeRow> Run(
        FaceEngine engine, string csv, string root, IReadOnlyList<int> sizes, int workers, string? subset = null, IProgress<(int Done, int Total)>? progress = null)
    {
        var table = CsvTable.Load(csv, "path1", "path2", "same");
        var rows = table.Rows.Where(r => subset is null || !table.Has("subset") || table.Get(r, "subset") == subset).ToArray();
        if (rows.Length == 0)
        {
            throw new ArgusException("csv.invalid", $"{csv} has no pairs{(subset is null ? "" : $" in subset '{subset}'")}.");
        }

        var paths = rows.SelectMany(r => new[] { table.Get(r, "path1"), table.Get(r, "path2") }).Distinct(StringComparer.Ordinal).ToArray();
        var outcomes = new Probe[paths.Length];
        var done = 0;
        Parallel.For(0, paths.Length, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, workers) }, i =>
        {
            outcomes[i] = Analyse(engine, Path.Combine(root, paths[i]), sizes);
            progress?.Report((Interlocked.Increment(ref done), paths.Length));
        });
        var byPath = new Dictionary<string, Probe>(StringComparer.Ordinal);
        for (var i = 0; i < paths.Length; i++)
        {
            byPath[paths[i]] = outcomes[i];
        }

        var result = new List<FaceSizeRow>(sizes.Count + 1);
        float? fullThreshold = null;
        for (var s = -1; s < sizes.Count; s++)
        {
            var scored = new List<ScoredPair>(rows.Length);
            var line = 1;
            foreach (var row in rows)
            {
                line++;
                var enrolled = byPath[table.Get(row, "path1")].Full;
                var probe = byPath[table.Get(row, "path2")];
                var face = s < 0 ? probe.Full : probe.Shrunk[s];
                var a = enrolled?.Embedding;
                var b = face?.Embedding;
                scored.Add(new ScoredPair(a is null || b is null ? -1f : a.Similarity(b), table.GetInt(row, "same", line) == 1));
            }

            var report = VerificationMetrics.Evaluate(scored);
            fullThreshold ??= report.ThresholdAtFar1E3;
            var (tar, far) = RatesAt(scored, fullThreshold.Value);
            var probes = rows.Select(r => table.Get(r, "path2")).Distinct(StringComparer.Ordinal).Select(p => byPath[p]).ToArray();
            var faces = probes.Select(p => s < 0 ? p.Full : p.Shrunk[s]).Where(f => f is not null).Select(f => f!).ToArray();
            var norms = faces.Select(f => f.Quality.EmbeddingNorm ?? 0f).Order().ToArray();
            var shots = faces.Select(ShotQuality.Score).Order().ToArray();
            var (genuineAtIdentification, _) = RatesAt(scored, MatchThresholds.Identification);
            result.Add(new FaceSizeRow(
                s < 0 ? null : sizes[s], report, tar, far, genuineAtIdentification, probes.Length,
                s < 0 ? 0 : probes.Count(p => p.NativeSize is { } n && n <= sizes[s]),
                Median(norms), faces.Length == 0 ? 0 : faces.Count(f => f.Status == FaceStatus.PoorQuality) / (double)faces.Length,
                Median(shots), shots.Length == 0 ? 0 : shots.Count(q => q < new DecisionOptions().MinShotQuality) / (double)shots.Length));
        }

        return result;
    }

    private static double Median(float[] sorted) => sorted.Length == 0 ? double.NaN : sorted[sorted.Length / 2];

    private static (double Tar, double Far) RatesAt(List<ScoredPair> pairs, float threshold)
    {
        int genuine = 0, accepted = 0, impostor = 0, falseAccepted = 0;
        foreach (var p in pairs)
        {
            if (p.Same)
            {
                genuine++;
                accepted += p.Score >= threshold ? 1 : 0;
            }
            else
            {
                impostor++;
                falseAccepted += p.Score >= threshold ? 1 : 0;
            }
        }

        return (genuine == 0 ? 0 : accepted / (double)genuine, impostor == 0 ? 0 : falseAccepted / (double)impostor);
    }

    private sealed record Probe(Face? Full, float? NativeSize, Face?[] Shrunk);

    private static Probe Analyse(FaceEngine engine, string path, IReadOnlyList<int> sizes)
    {
        var shrunk = new Face?[sizes.Count];
        try
        {
            using var image = ImageDecoder.DecodeFile(path);
            var primary = engine.AnalyzePrimary(image);
            if (primary.Face is not { } full)
            {
                return new Probe(null, null, shrunk);
            }

            var side = MathF.Max(full.Box.Width, full.Box.Height);
            for (var i = 0; i < sizes.Count; i++)
            {
                // A face already at or below the size is analysed as it is (upscaling would not be a small face).
                var scale = MathF.Min(1f, sizes[i] / side);
                if (scale >= 1f)
                {
                    shrunk[i] = full;
                    continue;
                }

                var width = Math.Max(1, (int)MathF.Round(image.Width * scale));
                var height = Math.Max(1, (int)MathF.Round(image.Height * scale));
                using var small = new Mat();
                Cv2.Resize(image.Mat, small, new Size(width, height), 0, 0, InterpolationFlags.Area);
                using var smallImage = DecodedImage.Borrow(small);
                var sx = width / (float)image.Width;
                var sy = height / (float)image.Height;
                var box = new BoundingBox(full.Box.X * sx, full.Box.Y * sy, full.Box.Width * sx, full.Box.Height * sy);
                shrunk[i] = engine.AnalyzeFace(smallImage, new FaceDetection(box, full.DetectorScore));
            }

            return new Probe(full, side, shrunk);
        }
        catch (ArgusException)
        {
            return new Probe(null, null, shrunk);
        }
    }
}
