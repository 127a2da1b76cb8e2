namespace Argus.Core.Faces;

/// <summary>An axis-aligned box in image pixels: top-left corner plus size.</summary>
public readonly record struct BoundingBox(float X, float Y, float Width, float Height)
{
    public float Right => X + Width;

    public float Bottom => Y + Height;

    public float CenterX => X + (Width / 2f);

    public float CenterY => Y + (Height / 2f);

    public float Area => Width > 0 && Height > 0 ? Width * Height : 0f;

    public static BoundingBox FromCorners(float x1, float y1, float x2, float y2) => new(x1, y1, x2 - x1, y2 - y1);

    /// <summary>Intersection over union; 0 when either box is empty.</summary>
    public float IntersectionOverUnion(BoundingBox other)
    {
        var ix = MathF.Min(Right, other.Right) - MathF.Max(X, other.X);
        var iy = MathF.Min(Bottom, other.Bottom) - MathF.Max(Y, other.Y);
        if (ix <= 0 || iy <= 0)
        {
            return 0f;
        }

        var intersection = ix * iy;
        var union = Area + other.Area - intersection;
        return union > 0 ? intersection / union : 0f;
    }

    /// <summary>
    /// The square with side = this box's height and the same centre, clamped to the image.
    /// The detector's boxes are tall; the landmark model was trained on square crops of that height.
    /// </summary>
    public BoundingBox ToSquareClamped(int imageWidth, int imageHeight)
    {
        var side = Height;
        var x1 = MathF.Max(0f, CenterX - (side / 2f));
        var y1 = MathF.Max(0f, CenterY - (side / 2f));
        var x2 = MathF.Min(imageWidth, CenterX + (side / 2f));
        var y2 = MathF.Min(imageHeight, CenterY + (side / 2f));
        return FromCorners(x1, y1, x2, y2);
    }

    public override string ToString() => $"[{X:0.#},{Y:0.#} {Width:0.#}x{Height:0.#}]";
}
