using Argus.Core.Faces;

namespace Argus.Core.Purposes;

/// <summary>
/// Data minimisation in 1:N search: a search returns at most <see cref="MaxTop"/> candidates, each at or above the
/// calibrated identification threshold of every list it searches (<see cref="FloorFor"/>: never below
/// <see cref="Floor"/>, higher for a list large enough that <see cref="Floor"/> would let strangers through more often
/// than <see cref="TargetFpir"/>), and nothing below it. A lower threshold is refused, not clamped: the searcher
/// learns that the request was outside the rules, and the audit shows that it was asked.
/// </summary>
public static class SearchLimits
{
    /// <summary>Most candidates one search may return: enough for a human to compare, too few to list a watchlist.</summary>
    public const int MaxTop = 10;

    public const int DefaultTop = 5;

    /// <summary>
    /// The lowest threshold a search may use: the calibrated 1:N threshold (<see cref="MatchThresholds.Identification"/>,
    /// FNIR 0.28% at FPIR 0.01 on faces-dev, docs/accuracy.md). Every watchlist and gallery holds templates of the
    /// same embedding contract, so it is the floor of each; a search may ask for a stricter one.
    /// </summary>
    public const float Floor = MatchThresholds.Identification;

    /// <summary>
    /// The false-positive identification rate a list's floor is set for: a probe of someone on no list returns a
    /// candidate from it at most this often (1%, the rate docs/accuracy.md reports FNIR at).
    /// </summary>
    public const double TargetFpir = 0.01;

    /// <summary>
    /// The calibrated floor of one list of <paramref name="comparisons"/> templates: the threshold at which one
    /// comparison falsely matches with rate <see cref="TargetFpir"/> / comparisons (so the list as a whole stays near
    /// <see cref="TargetFpir"/>), read from the operating points of <c>argus calibrate --save</c> by log-linear
    /// interpolation between them; beyond the strictest point calibrated, that point (the data cannot say more, and
    /// the floor says so). Never below <see cref="Floor"/>, whatever the calibration holds: an edited or foreign
    /// calibration can raise a floor, never lower it. Points outside (0, 1) are ignored.
    /// </summary>
    public static ListFloor FloorFor(string list, long comparisons, IReadOnlyList<CalibrationPoint> calibration)
    {
        var points = calibration.Where(p => p.Fmr is > 0 and < 1 && p.Threshold is > 0 and < 1).OrderByDescending(p => p.Fmr).ToArray();
        var n = Math.Max(1, comparisons);
        var target = TargetFpir / n;
        if (points.Length == 0)
        {
            return new ListFloor(list, n, target, Floor, Calibrated: false, BeyondCalibration: false);
        }

        float threshold;
        var beyond = false;
        if (target >= points[0].Fmr)
        {
            threshold = points[0].Threshold;
        }
        else if (target <= points[^1].Fmr)
        {
            threshold = points[^1].Threshold;
            beyond = target < points[^1].Fmr * (1 - 1e-9);
        }
        else
        {
            var i = 1;
            while (points[i].Fmr > target)
            {
                i++;
            }

            var (hi, lo) = (points[i - 1], points[i]);
            var f = (Math.Log10(hi.Fmr) - Math.Log10(target)) / (Math.Log10(hi.Fmr) - Math.Log10(lo.Fmr));
            threshold = (float)(hi.Threshold + (f * (lo.Threshold - hi.Threshold)));
        }

        return new ListFloor(list, n, target, Math.Max(Floor, threshold), Calibrated: true, beyond);
    }

    /// <summary>Refuses <c>search.threshold_too_low</c> when <paramref name="threshold"/> is below a searched list's floor.</summary>
    public static void DemandAtLeast(float threshold, ListFloor floor)
    {
        if (threshold < floor.Threshold)
        {
            throw new ArgusException(
                "search.threshold_too_low",
                $"The threshold may not be below {floor.Threshold:0.000}, the calibrated identification threshold of '{floor.List}' ({floor.Comparisons} templates): candidates below it are not returned to anyone.");
        }
    }

    /// <summary>Refuses <c>search.top_too_large</c>, <c>search.threshold_too_low</c> or <c>argument.invalid</c>.</summary>
    public static void Demand(int top, float threshold)
    {
        if (top > MaxTop)
        {
            throw new ArgusException("search.top_too_large", $"A search returns at most {MaxTop} candidates; top={top} is refused.");
        }

        if (top < 1)
        {
            throw new ArgusException("argument.invalid", $"top must be between 1 and {MaxTop}.");
        }

        if (!float.IsFinite(threshold) || threshold > 1)
        {
            throw new ArgusException("argument.invalid", "The threshold must be a number at most 1.");
        }

        if (threshold < Floor)
        {
            throw new ArgusException(
                "search.threshold_too_low",
                $"The threshold may not be below the calibrated identification threshold {Floor:0.00}: candidates below it are not returned to anyone.");
        }
    }
}

/// <summary>One operating point of a calibration: the threshold at which one comparison falsely matches with rate <paramref name="Fmr"/>.</summary>
public sealed record CalibrationPoint(double Fmr, float Threshold);

/// <summary>
/// A searched list's floor: its size, the per-comparison false-match rate that keeps it at
/// <see cref="SearchLimits.TargetFpir"/>, the threshold, whether a calibration set it (or the fixed
/// <see cref="SearchLimits.Floor"/>), and whether the list is larger than the calibration can speak for.
/// </summary>
public sealed record ListFloor(string List, long Comparisons, double TargetFmr, float Threshold, bool Calibrated, bool BeyondCalibration);
