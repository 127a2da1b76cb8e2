namespace Argus.Core.Faces;

/// <summary>
/// Documented decision thresholds on cosine similarity (a match is <c>score >= threshold</c>).
/// Where each value came from is in docs/accuracy.md; later issues replace them with per-gallery calibration.
/// </summary>
public static class MatchThresholds
{
    /// <summary>
    /// 1:1 same/different decision used by <c>argus compare</c>. On the public 6,000-pair benchmark, FAR 1e-3 sits
    /// near 0.33 (models.md); 0.36 keeps the dev-set FAR at or under 1e-3 (docs/accuracy.md).
    /// </summary>
    public const float Verification = 0.36f;
}
