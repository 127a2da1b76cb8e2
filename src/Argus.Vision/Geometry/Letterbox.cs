namespace Argus.Vision.Geometry;

/// <summary>
/// Where an image sits inside the detector's fixed canvas: scaled by <see cref="Scale"/> to fit the canvas minus a
/// margin on every side, centred, the rest grey. Without the margin, faces cropped tight to the image border are
/// missed (the detector was trained on faces with context); with it, the aspect ratio is kept as well.
/// </summary>
public readonly record struct Letterbox(float Scale, float OffsetX, float OffsetY, int ContentWidth, int ContentHeight)
{
    /// <summary>Margin per side as a fraction of the canvas; 15% measured best on faces-dev (models.md).</summary>
    public const float DefaultMargin = 0.15f;

    public static Letterbox Fit(int imageWidth, int imageHeight, int canvasWidth, int canvasHeight, float margin = DefaultMargin)
    {
        if (imageWidth <= 0 || imageHeight <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(imageWidth), "Image must not be empty.");
        }

        var innerWidth = canvasWidth * (1 - (2 * margin));
        var innerHeight = canvasHeight * (1 - (2 * margin));
        var scale = MathF.Min(innerWidth / imageWidth, innerHeight / imageHeight);
        var contentWidth = Math.Max(1, (int)MathF.Round(imageWidth * scale));
        var contentHeight = Math.Max(1, (int)MathF.Round(imageHeight * scale));
        var offsetX = MathF.Floor((canvasWidth - contentWidth) / 2f);
        var offsetY = MathF.Floor((canvasHeight - contentHeight) / 2f);

        // Use the scale actually realised by the rounded content size so that mapping back is exact.
        var realised = (float)contentWidth / imageWidth;
        return new Letterbox(realised, offsetX, offsetY, contentWidth, contentHeight);
    }

    public float ToImageX(float canvasX) => (canvasX - OffsetX) / Scale;

    public float ToImageY(float canvasY) => (canvasY - OffsetY) / Scale;

    public float ToCanvasX(float imageX) => (imageX * Scale) + OffsetX;

    public float ToCanvasY(float imageY) => (imageY * Scale) + OffsetY;
}
