using System.Numerics.Tensors;
using Argus.Core.Evaluation;
using Argus.Core.Faces;
using Argus.Vision.Pipeline;

namespace Argus.Bench;

/// <summary>Open-set figures at one gallery size, with raw scores or cohort-normalised ones.</summary>
/// <param name="Size">Gallery entries: the enrolled templates plus synthetic distractors.</param>
/// <param name="Normalised">Scores are (s − cohort mean) / cohort sd of the probe.</param>
/// <param name="At1E2">FNIR at FPIR 0.01, threshold read at this size.</param>
/// <param name="At1E3">FNIR at FPIR 0.001, threshold read at this size.</param>
/// <param name="FpirAtSmallestThreshold">FPIR at this size with the threshold read at FPIR 0.01 on the smallest gallery.</param>
public sealed record GallerySizeRow(int Size, bool Normalised, OperatingPoint At1E2, OperatingPoint At1E3, double FpirAtSmallestThreshold);

public sealed record GallerySizeResult(
    IReadOnlyList<GallerySizeRow> Rows,
    int Enrolled,
    int MatedSearches,
    int NonMatedSearches,
    int CohortSize,
    Distribution RealImpostor,
    Distribution SyntheticImpostor,
    int FailedImages);

/// <summary>
/// Open-set identification as the gallery grows (issue 17). faces-dev has 544 images, so the gallery is padded with
/// <b>synthetic distractors</b>: draws from a Gaussian with the mean and covariance of real face templates (random
/// combinations of the centred templates of a pool), normalised. The identities are split in two folds; each fold is
/// evaluated with a gallery of its own enrolled people plus distractors synthesised from the other fold's images,
/// and the other fold's real images are the impostor cohort, so neither distractors nor cohort share a person with
/// the searches. Non-mated searches are the strangers' probes plus every mated probe searched with its own person
/// left out of the gallery. Cohort normalisation: the probe's score minus its mean over the cohort, over the sd.
/// </summary>
public static class GallerySizeEvaluation
{
    public static GallerySizeResult Run(
        FaceEngine engine, string galleryCsv, string probesCsv, string root, IReadOnlyList<int> sizes, int workers,
        string? subset = null, IProgress<(int Done, int Total)>? progress = null)
    {
        var gallery = CsvTable.Load(galleryCsv, "path", "identity");
        var probes = CsvTable.Load(probesCsv, "path", "identity", "in_gallery");
        bool In(CsvTable t, string[] r) => subset is null || !t.Has("subset") || t.Get(r, "subset") == subset;
        var galleryRows = gallery.Rows.Where(r => In(gallery, r)).Select(r => (Path: gallery.Get(r, "path"), Identity: gallery.Get(r, "identity"))).ToArray();
        var probeRows = probes.Rows.Where(r => In(probes, r))
            .Select(r => (Path: probes.Get(r, "path"), Identity: probes.Get(r, "identity"), Mated: probes.Get(r, "in_gallery") == "1")).ToArray();
        var sorted = sizes.Order().ToArray();
        if (sorted[0] < galleryRows.Length)
        {
            throw new Core.ArgusException("argument.invalid", $"--gallery-sizes: {sorted[0]} is smaller than the {galleryRows.Length} enrolled templates.");
        }

        var paths = galleryRows.Select(g => g.Path).Concat(probeRows.Select(p => p.Path)).ToArray();
        var views = FaceViewSet.EmbedAll(engine, paths, root, workers, progress is null ? null : new Progress<int>(d => progress.Report((d, paths.Length))));
        var folds = new IdentityFolds(galleryRows.Select(g => g.Identity).Concat(probeRows.Select(p => p.Identity)));
        var dim = engine.Contract.Dimension;

        var searches = new List<(bool Mated, bool Correct, float Top, double CohortMean, double CohortSd, float[] DistractorMax)>();
        var realImpostor = new List<float>();
        var syntheticImpostor = new List<float>();
        var cohortSize = 0;
        for (var fold = 0; fold < 2; fold++)
        {
            var enrolled = galleryRows.Where(g => folds.Of(g.Identity) == fold)
                .Select(g => (g.Identity, Template: views[g.Path].Template(engine))).Where(g => g.Template is not null).Select(g => (g.Identity, Template: g.Template!)).ToArray();
            var foldProbes = probeRows.Where(p => folds.Of(p.Identity) == fold).ToArray();
            var pool = views.Values.Where(v => !v.Failed && folds.Of(v.Identity) != fold).OrderBy(v => v.Path, StringComparer.Ordinal)
                .Select(v => v.Template(engine)!).ToArray();
            cohortSize += pool.Length;
            var distractors = Synthesise(pool, sorted[^1] - enrolled.Length, dim, seed: 17 + fold);
            var cutoffs = sorted.Select(s => s - enrolled.Length).ToArray();

            var results = new (bool, bool, float, double, double, float[])[foldProbes.Length];
            Parallel.For(0, foldProbes.Length, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, workers) }, i =>
            {
                var (path, identity, mated) = foldProbes[i];
                var probe = views[path].Template(engine);
                if (probe is null)
                {
                    results[i] = (mated, false, float.NegativeInfinity, 0, 1, [.. cutoffs.Select(_ => float.NegativeInfinity)]);
                    return;
                }

                var cohort = pool.Select(c => (double)probe.Similarity(c)).ToArray();
                var mean = cohort.Average();
                var sd = Math.Sqrt(cohort.Sum(c => (c - mean) * (c - mean)) / Math.Max(1, cohort.Length - 1));
                var maxima = new float[cutoffs.Length];
                var running = float.NegativeInfinity;
                var next = 0;
                for (var d = 0; d <= distractors.Length / dim && next < cutoffs.Length; d++)
                {
                    while (next < cutoffs.Length && cutoffs[next] == d)
                    {
                        maxima[next++] = running;
                    }

                    if (d < distractors.Length / dim)
                    {
                        running = MathF.Max(running, TensorPrimitives.Dot(probe.Values, distractors.AsSpan(d * dim, dim)));
                    }
                }

                // Enrolled part: a mated probe is searched as such, and again with its own person left out (a non-mated search).
                var best = OpenSet.Search(enrolled, identity, mated, probe);
                results[i] = (mated, best.TopIsCorrect, best.TopScore, mean, sd, maxima);
            });

            foreach (var (mated, correct, top, mean, sd, maxima) in results)
            {
                searches.Add((mated, correct, top, mean, sd, maxima));
            }

            foreach (var (path, identity, mated) in foldProbes.Where(p => p.Mated))
            {
                if (views[path].Template(engine) is not { } probe)
                {
                    continue;
                }

                var others = enrolled.Where(e => e.Identity != identity).ToArray();
                var top = OpenSet.Search(others, identity, false, probe);
                var index = Array.FindIndex(foldProbes, p => p.Path == path);
                var (_, _, _, mean, sd, maxima) = results[index];
                searches.Add((false, false, top.TopScore, mean, sd, maxima));
                realImpostor.AddRange(others.Select(o => probe.Similarity(o.Template)));
                syntheticImpostor.AddRange(Enumerable.Range(0, Math.Min(200, distractors.Length / dim)).Select(d => TensorPrimitives.Dot(probe.Values, distractors.AsSpan(d * dim, dim))));
            }
        }

        var rows = new List<GallerySizeRow>();
        foreach (var normalised in new[] { false, true })
        {
            float Score(float s, double mean, double sd) => normalised ? (float)((s - mean) / Math.Max(sd, 1e-6)) : s;
            float? smallestThreshold = null;
            for (var k = 0; k < sorted.Length; k++)
            {
                var outcomes = searches.Select(s =>
                {
                    var distractor = s.DistractorMax[k];
                    var top = MathF.Max(s.Top, distractor);
                    var correct = s.Mated && s.Correct && s.Top >= distractor;
                    return new ProbeOutcome(s.Mated, correct, Score(top, s.CohortMean, s.CohortSd));
                }).ToArray();
                var at1E2 = IdentificationMetrics.AtFpir(outcomes, 0.01);
                smallestThreshold ??= at1E2.Threshold;
                rows.Add(new GallerySizeRow(
                    sorted[k], normalised, at1E2, IdentificationMetrics.AtFpir(outcomes, 0.001), IdentificationMetrics.AtThreshold(outcomes, smallestThreshold.Value).Fpir));
            }
        }

        return new GallerySizeResult(
            rows, galleryRows.Length, searches.Count(s => s.Mated), searches.Count(s => !s.Mated), cohortSize / 2,
            Distribution.Of(realImpostor), Distribution.Of(syntheticImpostor), views.Values.Count(v => v.Failed));
    }

    /// <summary>
    /// <paramref name="count"/> unit vectors drawn from a Gaussian with the pool's mean and covariance:
    /// mean + Σ zᵢ (poolᵢ − mean) / √n with zᵢ standard normal (fixed seed), normalised; row-major.
    /// </summary>
    public static float[] Synthesise(IReadOnlyList<Embedding> pool, int count, int dim, int seed)
    {
        var n = pool.Count;
        if (n < 2)
        {
            throw new Core.ArgusException("argument.invalid", "Too few usable images to synthesise distractors from.");
        }

        var mean = new float[dim];
        foreach (var e in pool)
        {
            TensorPrimitives.Add(mean, e.Values, mean);
        }

        TensorPrimitives.Divide(mean, n, mean);
        var centred = new float[n][];
        for (var i = 0; i < n; i++)
        {
            centred[i] = new float[dim];
            TensorPrimitives.Subtract(pool[i].Values, mean, centred[i]);
        }

        var result = new float[(long)count * dim];
        var scale = 1f / MathF.Sqrt(n);
        Parallel.For(0, count, c =>
        {
            var random = new Random((seed * 1_000_003) + c);
            var row = result.AsSpan(c * dim, dim);
            mean.CopyTo(row);
            for (var i = 0; i < n; i++)
            {
                TensorPrimitives.MultiplyAdd(centred[i], (float)Gaussian(random) * scale, row, row);
            }

            TensorPrimitives.Divide(row, TensorPrimitives.Norm(row), row);
        });

        return result;
    }

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2.0 * Math.Log(1.0 - random.NextDouble())) * Math.Cos(2.0 * Math.PI * random.NextDouble());
}
