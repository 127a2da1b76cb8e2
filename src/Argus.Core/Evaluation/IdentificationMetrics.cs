namespace Argus.Core.Evaluation;

/// <summary>
/// One open-set search outcome: the best-scoring gallery identity and its score, and whether the probe's
/// identity is enrolled (mated) and was the top candidate.
/// </summary>
public readonly record struct ProbeOutcome(bool Mated, bool TopIsCorrect, float TopScore);

/// <summary>Open-set 1:N results at one false-positive identification rate.</summary>
public sealed record OperatingPoint(double Fpir, double Fnir, float Threshold);

public sealed record IdentificationReport(
    int MatedProbes,
    int NonMatedProbes,
    double Rank1,
    OperatingPoint AtFpir1E2,
    OperatingPoint AtFpir3E3);

/// <summary>
/// Open-set identification metrics (NIST FRVT 1:N terms). FPIR: share of non-mated probes whose top score reaches
/// the threshold. FNIR: share of mated probes whose correct identity is not returned at rank 1 at or above it.
/// Rank-1 is closed-set: the share of mated probes whose top candidate is correct, whatever the score.
/// </summary>
public static class IdentificationMetrics
{
    public static IdentificationReport Evaluate(IReadOnlyList<ProbeOutcome> outcomes)
    {
        var mated = outcomes.Where(o => o.Mated).ToArray();
        var nonMated = outcomes.Where(o => !o.Mated).Select(o => o.TopScore).ToArray();
        if (mated.Length == 0)
        {
            throw new ArgumentException("No mated probes to evaluate.", nameof(outcomes));
        }

        var rank1 = (double)mated.Count(o => o.TopIsCorrect) / mated.Length;
        return new IdentificationReport(mated.Length, nonMated.Length, rank1, At(mated, nonMated, 0.01), At(mated, nonMated, 0.003));
    }

    /// <summary>FNIR at the lowest threshold whose FPIR on these outcomes is at most <paramref name="fpir"/>.</summary>
    public static OperatingPoint AtFpir(IReadOnlyList<ProbeOutcome> outcomes, double fpir) =>
        At([.. outcomes.Where(o => o.Mated)], [.. outcomes.Where(o => !o.Mated).Select(o => o.TopScore)], fpir);

    /// <summary>FPIR and FNIR of these outcomes at a given threshold (one chosen elsewhere).</summary>
    public static OperatingPoint AtThreshold(IReadOnlyList<ProbeOutcome> outcomes, float threshold)
    {
        var mated = outcomes.Where(o => o.Mated).ToArray();
        var nonMated = outcomes.Where(o => !o.Mated).ToArray();
        var fpir = nonMated.Length == 0 ? 0 : (double)nonMated.Count(o => o.TopScore >= threshold) / nonMated.Length;
        var fnir = mated.Length == 0 ? 0 : (double)mated.Count(o => !(o.TopIsCorrect && o.TopScore >= threshold)) / mated.Length;
        return new OperatingPoint(fpir, fnir, threshold);
    }

    private static OperatingPoint At(ProbeOutcome[] mated, float[] nonMated, double fpir)
    {
        var threshold = nonMated.Length == 0 ? float.NegativeInfinity : VerificationMetrics.ThresholdAtRate(nonMated, fpir);
        var actualFpir = nonMated.Length == 0 ? 0 : (double)nonMated.Count(s => s >= threshold) / nonMated.Length;
        var misses = mated.Count(o => !(o.TopIsCorrect && o.TopScore >= threshold));
        return new OperatingPoint(actualFpir, (double)misses / mated.Length, threshold);
    }
}
