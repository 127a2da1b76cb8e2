namespace Argus.Core.Evaluation;

/// <summary>A decision threshold chosen for a target false-match rate, with what it achieves on the calibration data.</summary>
/// <param name="TargetFmr">The false-match rate asked for.</param>
/// <param name="Threshold">Match when similarity is at or above this.</param>
/// <param name="MeasuredFmr">Impostor pairs at or above the threshold, as a share.</param>
/// <param name="Fnmr">Genuine pairs below the threshold, as a share.</param>
/// <param name="Supported">False when there are too few impostor pairs to measure this rate (fewer than 3/target).</param>
public sealed record OperatingPointCalibration(double TargetFmr, float Threshold, double MeasuredFmr, double Fnmr, bool Supported);

/// <summary>Thresholds for target false-match rates, computed from labelled genuine and impostor scores.</summary>
public sealed record CalibrationReport(int GenuinePairs, long ImpostorPairs, IReadOnlyList<OperatingPointCalibration> Points);

/// <summary>
/// Chooses operating points by false-match rate rather than by hand-picked scores: for each target, the lowest
/// threshold whose impostor share does not exceed it. A rate is only reported as supported when the data holds at
/// least three impostor pairs per expected false match (rule of three: with n impostors and no false match, the 95%
/// upper bound on FMR is 3/n).
/// </summary>
public static class Calibration
{
    public static readonly double[] DefaultTargets = [1e-2, 1e-3, 1e-4, 1e-5];

    public static CalibrationReport Calibrate(IReadOnlyList<float> genuine, IReadOnlyList<float> impostor, IReadOnlyList<double>? targets = null)
    {
        if (genuine.Count == 0 || impostor.Count == 0)
        {
            throw new ArgusException("calibration.no_pairs", "Calibration needs genuine and impostor pairs: at least two identities with two images each.");
        }

        var points = new List<OperatingPointCalibration>();
        foreach (var target in targets ?? DefaultTargets)
        {
            var threshold = VerificationMetrics.ThresholdAtRate(impostor, target);
            var falseMatches = impostor.Count(s => s >= threshold);
            var falseNonMatches = genuine.Count(s => s < threshold);
            points.Add(new OperatingPointCalibration(
                target, threshold, (double)falseMatches / impostor.Count, (double)falseNonMatches / genuine.Count, impostor.Count * target >= 3));
        }

        return new CalibrationReport(genuine.Count, impostor.Count, points);
    }
}
