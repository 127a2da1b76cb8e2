namespace Argus.Core.Faces;

/// <summary>
/// Documented decision thresholds on cosine similarity (a match is <c>score >= threshold</c>).
/// Where each value came from is in docs/accuracy.md; later issues replace them with per-gallery calibration.
/// </summary>
public static class MatchThresholds
{
    /// <summary>
    /// 1:1 same/different decision used by <c>argus compare</c>: the best-accuracy threshold on faces-dev pairs
    /// (0.359; 99.92%). On the public 6,000-pair benchmark FAR 1e-3 sits near 0.33 (models.md), so 0.36 errs
    /// towards fewer false matches there (docs/accuracy.md).
    /// </summary>
    public const float Verification = 0.36f;

    /// <summary>
    /// Starting 1:N threshold for small galleries (hundreds of faces): dev FNIR at FPIR 0.01 is reached at 0.444
    /// (docs/accuracy.md); models.md puts 0.45-0.50 for galleries of thousands. Used where many faces are compared
    /// with many (the demo's grouping) until per-gallery calibration exists.
    /// </summary>
    public const float Identification = 0.45f;
}
