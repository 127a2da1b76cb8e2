using Argus.Core;
using Argus.Core.Faces;
using Argus.Vision.Imaging;
using Argus.Vision.Pipeline;
using OpenCvSharp;

namespace Argus.Bench;

/// <summary>
/// A face cut out of a photo with some of its head and shoulders around it, and where the face's detector box lies
/// in the cut-out: pasted at a scale, the face's box side is known exactly.
/// </summary>
public sealed class FaceSprite(Mat image, BoundingBox face) : IDisposable
{
    /// <summary>The cut-out (BGR).</summary>
    public Mat Image { get; } = image;

    /// <summary>The face's square detector box in <see cref="Image"/>.</summary>
    public BoundingBox Face { get; } = face;

    /// <summary>Frees the cut-out.</summary>
    public void Dispose() => Image.Dispose();
}

/// <summary>
/// Composites faces-dev faces at exact face sizes onto a real background, for small-face benchmarks and tests: the
/// photo's face is found at full size, cut with context (box grown 1.8x), shrunk with area interpolation so the face
/// box side is the asked size, and pasted. The face box is what the detector reported at full size, so "a 40 px face"
/// means the same thing as <see cref="FaceQuality.FaceSize"/> does in the pipeline.
/// </summary>
public static class FaceSprites
{
    /// <summary>Street photo from faces-dev with no face in it (hard/no_face, dlib's car example): a real background.</summary>
    public const string Background = "hard/no_face/dlib_mmod_cars_test_image2.jpg";

    /// <summary>Cuts the primary face of <paramref name="photo"/> with context.</summary>
    public static FaceSprite Cut(FaceEngine engine, string photo)
    {
        using var image = ImageDecoder.DecodeFile(photo);
        var face = engine.AnalyzePrimary(image, analysis: FaceAnalysis.None).Face
            ?? throw new ArgusException("bench.photo_without_face", $"No face detected in {photo}.");
        var box = face.Box;
        var side = MathF.Max(box.Width, box.Height) * 1.8f;
        var x1 = Math.Clamp((int)(box.CenterX - (side / 2)), 0, image.Width - 1);
        var y1 = Math.Clamp((int)(box.CenterY - (side / 2)), 0, image.Height - 1);
        var x2 = Math.Clamp((int)(box.CenterX + (side / 2)), x1 + 1, image.Width);
        var y2 = Math.Clamp((int)(box.CenterY + (side / 2)), y1 + 1, image.Height);
        using var crop = new Mat(image.Mat, new Rect(x1, y1, x2 - x1, y2 - y1));
        return new FaceSprite(crop.Clone(), new BoundingBox(box.X - x1, box.Y - y1, box.Width, box.Height));
    }

    /// <summary>A background of <paramref name="width"/> x <paramref name="height"/>: the photo scaled to cover it, centre crop.</summary>
    public static Mat LoadBackground(string photo, int width, int height)
    {
        using var image = Cv2.ImRead(photo, ImreadModes.Color);
        if (image.Empty())
        {
            throw new ArgusException("bench.photo_missing", $"Cannot read {photo}.");
        }

        var scale = Math.Max(width / (double)image.Width, height / (double)image.Height);
        using var scaled = new Mat();
        Cv2.Resize(image, scaled, new Size(Math.Max(width, (int)Math.Ceiling(image.Width * scale)), Math.Max(height, (int)Math.Ceiling(image.Height * scale))), 0, 0, InterpolationFlags.Linear);
        using var centre = new Mat(scaled, new Rect((scaled.Width - width) / 2, (scaled.Height - height) / 2, width, height));
        return centre.Clone();
    }

    /// <summary>
    /// A sprite shrunk so that its face box side is <paramref name="faceSize"/> pixels, and the face box in it.
    /// Dispose the returned image.
    /// </summary>
    public static (Mat Image, BoundingBox Face) Scaled(FaceSprite sprite, int faceSize)
    {
        var scale = faceSize / MathF.Max(sprite.Face.Width, sprite.Face.Height);
        var w = Math.Max(1, (int)MathF.Round(sprite.Image.Width * scale));
        var h = Math.Max(1, (int)MathF.Round(sprite.Image.Height * scale));
        var scaled = new Mat();
        Cv2.Resize(sprite.Image, scaled, new Size(w, h), 0, 0, scale < 1 ? InterpolationFlags.Area : InterpolationFlags.Linear);
        var sx = w / (float)sprite.Image.Width;
        var sy = h / (float)sprite.Image.Height;
        return (scaled, new BoundingBox(sprite.Face.X * sx, sprite.Face.Y * sy, sprite.Face.Width * sx, sprite.Face.Height * sy));
    }

    /// <summary>
    /// Pastes a scaled sprite so that its face's centre is at (<paramref name="centreX"/>, <paramref name="centreY"/>),
    /// clipped to the frame; returns the face box in the frame.
    /// </summary>
    public static BoundingBox Paste(Mat frame, Mat scaled, BoundingBox face, int centreX, int centreY)
    {
        var left = centreX - (int)MathF.Round(face.CenterX);
        var top = centreY - (int)MathF.Round(face.CenterY);
        var x1 = Math.Max(0, left);
        var y1 = Math.Max(0, top);
        var x2 = Math.Min(frame.Width, left + scaled.Width);
        var y2 = Math.Min(frame.Height, top + scaled.Height);
        if (x2 > x1 && y2 > y1)
        {
            using var source = new Mat(scaled, new Rect(x1 - left, y1 - top, x2 - x1, y2 - y1));
            using var target = new Mat(frame, new Rect(x1, y1, x2 - x1, y2 - y1));
            source.CopyTo(target);
        }

        return new BoundingBox(face.X + left, face.Y + top, face.Width, face.Height);
    }
}
