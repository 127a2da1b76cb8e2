namespace Argus.Core.Evaluation;

/// <summary>One scored comparison: similarity, ground truth, and the cross-validation fold (or -1).</summary>
public readonly record struct ScoredPair(float Score, bool Same, int Fold = -1);

/// <summary>Summary of a score distribution.</summary>
public sealed record Distribution(int Count, double Mean, double StandardDeviation, double Min, double Max)
{
    public static Distribution Of(IReadOnlyList<float> values)
    {
        if (values.Count == 0)
        {
            return new Distribution(0, double.NaN, double.NaN, double.NaN, double.NaN);
        }

        double sum = 0, min = double.MaxValue, max = double.MinValue;
        foreach (var v in values)
        {
            sum += v;
            min = Math.Min(min, v);
            max = Math.Max(max, v);
        }

        var mean = sum / values.Count;
        double sq = 0;
        foreach (var v in values)
        {
            sq += (v - mean) * (v - mean);
        }

        return new Distribution(values.Count, mean, Math.Sqrt(sq / values.Count), min, max);
    }
}

/// <summary>Result of a 1:1 verification evaluation.</summary>
public sealed record VerificationReport(
    int Pairs,
    double Accuracy,
    float BestThreshold,
    double? Accuracy10FoldMean,
    double? Accuracy10FoldSd,
    double Auc,
    double TarAtFar1E2,
    float ThresholdAtFar1E2,
    double TarAtFar1E3,
    float ThresholdAtFar1E3,
    Distribution Genuine,
    Distribution Impostor);

/// <summary>Standard 1:1 verification metrics, computed exactly from the scores (no binning).</summary>
public static class VerificationMetrics
{
    public static VerificationReport Evaluate(IReadOnlyList<ScoredPair> pairs)
    {
        if (pairs.Count == 0)
        {
            throw new ArgumentException("No pairs to evaluate.", nameof(pairs));
        }

        var (accuracy, threshold) = BestAccuracy(pairs);
        var genuine = new List<float>();
        var impostor = new List<float>();
        foreach (var p in pairs)
        {
            (p.Same ? genuine : impostor).Add(p.Score);
        }

        var (foldMean, foldSd) = CrossValidatedAccuracy(pairs);
        var (tar2, t2) = TarAtFar(genuine, impostor, 1e-2);
        var (tar3, t3) = TarAtFar(genuine, impostor, 1e-3);
        return new VerificationReport(
            pairs.Count, accuracy, threshold, foldMean, foldSd, Auc(genuine, impostor),
            tar2, t2, tar3, t3, Distribution.Of(genuine), Distribution.Of(impostor));
    }

    /// <summary>The threshold (match when score >= t) that maximises accuracy, and that accuracy.</summary>
    public static (double Accuracy, float Threshold) BestAccuracy(IReadOnlyList<ScoredPair> pairs)
    {
        var sorted = pairs.OrderBy(p => p.Score).ToArray();
        var total = sorted.Length;

        // Threshold below everything: every pair is called "same".
        var correct = sorted.Count(p => p.Same);
        var best = correct;
        var bestThreshold = sorted[0].Score - 1e-4f;
        for (var i = 0; i < total; i++)
        {
            // Raising the threshold just above sorted[i] flips sorted[i] to "different".
            correct += sorted[i].Same ? -1 : 1;
            if (i + 1 < total && sorted[i + 1].Score == sorted[i].Score)
            {
                continue;
            }

            if (correct > best)
            {
                best = correct;
                bestThreshold = i + 1 < total ? (sorted[i].Score + sorted[i + 1].Score) / 2f : sorted[i].Score + 1e-4f;
            }
        }

        return ((double)best / total, bestThreshold);
    }

    /// <summary>
    /// k-fold accuracy: for each fold, the threshold is chosen on the other folds and applied to this one.
    /// Null when the pairs carry no folds.
    /// </summary>
    public static (double? Mean, double? Sd) CrossValidatedAccuracy(IReadOnlyList<ScoredPair> pairs)
    {
        var folds = pairs.Where(p => p.Fold >= 0).Select(p => p.Fold).Distinct().Order().ToArray();
        if (folds.Length < 2 || pairs.Any(p => p.Fold < 0))
        {
            return (null, null);
        }

        var accuracies = new List<double>();
        foreach (var fold in folds)
        {
            var train = pairs.Where(p => p.Fold != fold).ToArray();
            var test = pairs.Where(p => p.Fold == fold).ToArray();
            var (_, threshold) = BestAccuracy(train);
            var correct = test.Count(p => (p.Score >= threshold) == p.Same);
            accuracies.Add((double)correct / test.Length);
        }

        var mean = accuracies.Average();
        var sd = Math.Sqrt(accuracies.Sum(a => (a - mean) * (a - mean)) / accuracies.Count);
        return (mean, sd);
    }

    /// <summary>ROC AUC as the Mann-Whitney statistic: P(genuine score > impostor score), ties counting half.</summary>
    public static double Auc(IReadOnlyList<float> genuine, IReadOnlyList<float> impostor)
    {
        if (genuine.Count == 0 || impostor.Count == 0)
        {
            return double.NaN;
        }

        var all = genuine.Select(s => (Score: s, Genuine: true)).Concat(impostor.Select(s => (Score: s, Genuine: false)))
            .OrderBy(x => x.Score).ToArray();
        double rankSumGenuine = 0;
        var i = 0;
        while (i < all.Length)
        {
            var j = i;
            while (j + 1 < all.Length && all[j + 1].Score == all[i].Score)
            {
                j++;
            }

            var averageRank = ((i + j) / 2.0) + 1;
            for (var k = i; k <= j; k++)
            {
                if (all[k].Genuine)
                {
                    rankSumGenuine += averageRank;
                }
            }

            i = j + 1;
        }

        double n1 = genuine.Count, n0 = impostor.Count;
        return (rankSumGenuine - (n1 * (n1 + 1) / 2)) / (n1 * n0);
    }

    /// <summary>
    /// True accept rate at the lowest threshold whose false accept rate does not exceed <paramref name="far"/>.
    /// With fewer than 1/far impostors the achievable FAR is coarser; the threshold then sits just above the
    /// highest impostor score allowed.
    /// </summary>
    public static (double Tar, float Threshold) TarAtFar(IReadOnlyList<float> genuine, IReadOnlyList<float> impostor, double far)
    {
        if (genuine.Count == 0 || impostor.Count == 0)
        {
            return (double.NaN, float.NaN);
        }

        var threshold = ThresholdAtRate(impostor, far);
        var accepted = genuine.Count(s => s >= threshold);
        return ((double)accepted / genuine.Count, threshold);
    }

    /// <summary>
    /// The smallest threshold t such that the share of <paramref name="negatives"/> scoring >= t is at most
    /// <paramref name="rate"/>.
    /// </summary>
    public static float ThresholdAtRate(IReadOnlyList<float> negatives, double rate)
    {
        var sorted = negatives.OrderByDescending(s => s).ToArray();
        var allowed = (int)Math.Floor(rate * sorted.Length);

        // Allow `allowed` negatives at or above t: t sits just above the (allowed+1)-th highest negative.
        if (allowed >= sorted.Length)
        {
            return float.NegativeInfinity;
        }

        // Negatives >= t are exactly those strictly above sorted[allowed]: at most `allowed` of them, ties included.
        var t = MathF.BitIncrement(sorted[allowed]);
        return t;
    }
}
