using Argus.Core.Faces;

namespace Argus.Core.Purposes;

/// <summary>
/// Data minimisation in 1:N search: a search returns at most <see cref="MaxTop"/> candidates, each at or above the
/// calibrated identification threshold (<see cref="Floor"/>), and nothing below it. A lower threshold is refused,
/// not clamped: the searcher learns that the request was outside the rules, and the audit shows that it was asked.
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
