using Argus.Core.Faces;

namespace Argus.Vision.Geometry;

/// <summary>A candidate box with its score.</summary>
public readonly record struct ScoredBox(BoundingBox Box, float Score);

/// <summary>Greedy IoU non-maximum suppression, highest score first.</summary>
public static class NonMaximumSuppression
{
    /// <summary>
    /// Keeps boxes in descending score order, dropping any whose IoU with a kept box exceeds
    /// <paramref name="iouThreshold"/>. Sorts <paramref name="candidates"/> in place.
    /// </summary>
    public static List<ScoredBox> Apply(List<ScoredBox> candidates, float iouThreshold)
    {
        candidates.Sort(static (x, y) => y.Score.CompareTo(x.Score));
        var kept = new List<ScoredBox>();
        foreach (var candidate in candidates)
        {
            var suppressed = false;
            foreach (var k in kept)
            {
                if (k.Box.IntersectionOverUnion(candidate.Box) > iouThreshold)
                {
                    suppressed = true;
                    break;
                }
            }

            if (!suppressed)
            {
                kept.Add(candidate);
            }
        }

        return kept;
    }
}
