using Argus.Core.Evaluation;
using Argus.Core.Faces;

namespace Argus.Bench;

/// <summary>One open-set search result with the probe's identity fold (for held-out thresholds).</summary>
public readonly record struct FoldedOutcome(ProbeOutcome Outcome, int Fold);

/// <summary>A rate measured with thresholds chosen on the other fold: counts summed over both folds.</summary>
public sealed record HeldOutRate(double Miss, double FalsePositive, int Positives, int Negatives);

/// <summary>Exhaustive open-set search and held-out operating points, shared by the issue 17 evaluations.</summary>
public static class OpenSet
{
    /// <summary>
    /// Top-1 over a gallery of templates (an identity's score is its best template's); a probe without a template
    /// scores −∞ (a failure to acquire counts as a miss).
    /// </summary>
    public static ProbeOutcome Search(IReadOnlyList<(string Identity, Embedding Template)> gallery, string identity, bool mated, Embedding? probe)
    {
        if (probe is null)
        {
            return new ProbeOutcome(mated, false, float.NegativeInfinity);
        }

        var best = float.NegativeInfinity;
        string? bestIdentity = null;
        foreach (var (id, template) in gallery)
        {
            var score = probe.Similarity(template);
            if (score > best)
            {
                best = score;
                bestIdentity = id;
            }
        }

        return new ProbeOutcome(mated, mated && bestIdentity == identity, best);
    }

    /// <summary>
    /// FNIR and FPIR of each fold at the threshold that gives <paramref name="fpir"/> on the other fold's non-mated
    /// probes, summed over the two folds.
    /// </summary>
    public static HeldOutRate HeldOut(IReadOnlyList<FoldedOutcome> outcomes, double fpir)
    {
        int misses = 0, falsePositives = 0, mated = 0, nonMated = 0;
        for (var fold = 0; fold < 2; fold++)
        {
            var other = outcomes.Where(o => o.Fold != fold && !o.Outcome.Mated).Select(o => o.Outcome.TopScore).ToArray();
            var threshold = other.Length == 0 ? float.PositiveInfinity : VerificationMetrics.ThresholdAtRate(other, fpir);
            foreach (var o in outcomes.Where(o => o.Fold == fold))
            {
                if (o.Outcome.Mated)
                {
                    mated++;
                    misses += o.Outcome.TopIsCorrect && o.Outcome.TopScore >= threshold ? 0 : 1;
                }
                else
                {
                    nonMated++;
                    falsePositives += o.Outcome.TopScore >= threshold ? 1 : 0;
                }
            }
        }

        return new HeldOutRate(Rate(misses, mated), Rate(falsePositives, nonMated), mated, nonMated);
    }

    /// <summary>
    /// 1:1 true-reject and false-accept rates of each fold at the threshold that gives <paramref name="far"/> on the
    /// other fold's different-person pairs, summed over the two folds. Pairs whose people are in different folds are
    /// left out.
    /// </summary>
    public static HeldOutRate HeldOutPairs(IReadOnlyList<(ScoredPair Pair, int Fold)> pairs, double far)
    {
        int misses = 0, falseAccepts = 0, genuine = 0, impostor = 0;
        for (var fold = 0; fold < 2; fold++)
        {
            var other = pairs.Where(p => p.Fold is >= 0 && p.Fold != fold && !p.Pair.Same).Select(p => p.Pair.Score).ToArray();
            var threshold = other.Length == 0 ? float.PositiveInfinity : VerificationMetrics.ThresholdAtRate(other, far);
            foreach (var (pair, _) in pairs.Where(p => p.Fold == fold))
            {
                if (pair.Same)
                {
                    genuine++;
                    misses += pair.Score >= threshold ? 0 : 1;
                }
                else
                {
                    impostor++;
                    falseAccepts += pair.Score >= threshold ? 1 : 0;
                }
            }
        }

        return new HeldOutRate(Rate(misses, genuine), Rate(falseAccepts, impostor), genuine, impostor);
    }

    private static double Rate(int count, int total) => total == 0 ? double.NaN : (double)count / total;
}
