using System.Numerics;

namespace Argus.Vision.Geometry;

/// <summary>
/// A 2-D similarity (uniform scale s, rotation θ, translation t): x' = a·x − b·y + tx, y' = b·x + a·y + ty with
/// a = s·cos θ, b = s·sin θ. Fitted by least squares (Umeyama 1991), which for the 2-D similarity case has the
/// closed form used here. Alignment maps all five landmarks onto the ArcFace template, never just three points
/// (a 3-point affine shears faces).
/// </summary>
public readonly record struct SimilarityTransform(float A, float B, float Tx, float Ty)
{
    /// <summary>ArcFace 112x112 reference positions of the eyes, nose tip and mouth corners.</summary>
    public static readonly Vector2[] ArcFace112 =
    [
        new(38.2946f, 51.6963f),
        new(73.5318f, 51.5014f),
        new(56.0252f, 71.7366f),
        new(41.5493f, 92.3655f),
        new(70.7299f, 92.2041f),
    ];

    public float Scale => MathF.Sqrt((A * A) + (B * B));

    public float RotationDegrees => MathF.Atan2(B, A) * 180f / MathF.PI;

    public Vector2 Apply(Vector2 p) => new((A * p.X) - (B * p.Y) + Tx, (B * p.X) + (A * p.Y) + Ty);

    /// <summary>Least-squares similarity mapping <paramref name="source"/> onto <paramref name="target"/>.</summary>
    public static SimilarityTransform Estimate(ReadOnlySpan<Vector2> source, ReadOnlySpan<Vector2> target)
    {
        if (source.Length != target.Length || source.Length < 2)
        {
            throw new ArgumentException("Need at least two corresponding points.", nameof(source));
        }

        var n = source.Length;
        Vector2 meanS = default, meanT = default;
        for (var i = 0; i < n; i++)
        {
            meanS += source[i];
            meanT += target[i];
        }

        meanS /= n;
        meanT /= n;

        // With centred points p (source) and q (target): a = Σ(p·q) / Σ|p|², b = Σ(p×q) / Σ|p|².
        double dot = 0, cross = 0, norm = 0;
        for (var i = 0; i < n; i++)
        {
            var p = source[i] - meanS;
            var q = target[i] - meanT;
            dot += (p.X * q.X) + (p.Y * q.Y);
            cross += (p.X * q.Y) - (p.Y * q.X);
            norm += (p.X * p.X) + (p.Y * p.Y);
        }

        if (norm < 1e-12)
        {
            throw new ArgumentException("Source points coincide; no transform is defined.", nameof(source));
        }

        var a = (float)(dot / norm);
        var b = (float)(cross / norm);
        var tx = meanT.X - ((a * meanS.X) - (b * meanS.Y));
        var ty = meanT.Y - ((b * meanS.X) + (a * meanS.Y));
        return new SimilarityTransform(a, b, tx, ty);
    }
}
