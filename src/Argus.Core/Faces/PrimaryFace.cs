namespace Argus.Core.Faces;

/// <summary>
/// Which face an operation uses when an image holds several: the largest face, discounted by its distance from the
/// image centre. Score = side x (1 - 0.5 x d), d = centre distance / half the image diagonal (0 at the centre,
/// 1 in a corner). A face half as far from the centre wins over a slightly larger one at the edge; a face twice
/// the size wins wherever it is. The CLI, enrolment and evaluation all use this one rule.
/// </summary>
public static class PrimaryFace
{
    /// <summary>Index of the primary box in <paramref name="boxes"/>, or -1 when there is none.</summary>
    public static int Select<T>(IReadOnlyList<T> boxes, int imageWidth, int imageHeight)
        where T : IHasBox
    {
        var best = -1;
        var bestScore = float.NegativeInfinity;
        for (var i = 0; i < boxes.Count; i++)
        {
            var score = Score(boxes[i].Box, imageWidth, imageHeight);
            if (score > bestScore)
            {
                bestScore = score;
                best = i;
            }
        }

        return best;
    }

    public static float Score(BoundingBox box, int imageWidth, int imageHeight)
    {
        var dx = box.CenterX - (imageWidth / 2f);
        var dy = box.CenterY - (imageHeight / 2f);
        var halfDiagonal = MathF.Sqrt((imageWidth * imageWidth) + (imageHeight * imageHeight)) / 2f;
        var d = halfDiagonal > 0 ? MathF.Min(1f, MathF.Sqrt((dx * dx) + (dy * dy)) / halfDiagonal) : 0f;
        return MathF.Max(box.Width, box.Height) * (1f - (0.5f * d));
    }
}

/// <summary>Anything located by a face box.</summary>
public interface IHasBox
{
    BoundingBox Box { get; }
}
