using OpenCvSharp;

namespace Argus.Bench;

/// <summary>A face photo shown in a clip from <see cref="From"/> to <see cref="To"/> seconds, at a position and size.</summary>
public sealed record Appearance(string Photo, double From, double To, int X, int Y, int Size);

/// <summary>
/// Builds test and benchmark clips with OpenCV's writer (its bundled FFmpeg, MPEG-4 part 2) from face photos pasted
/// on a textured background, so the expected alerts are known exactly.
/// </summary>
public static class ClipBuilder
{
    public static string Build(string path, int width, int height, double fps, double seconds, params Appearance[] appearances)
    {
        var faces = appearances.Select(a =>
        {
            using var photo = Cv2.ImRead(a.Photo, ImreadModes.Color);
            if (photo.Empty())
            {
                throw new Core.ArgusException("bench.photo_missing", $"Cannot read {a.Photo}.");
            }

            var resized = new Mat();
            Cv2.Resize(photo, resized, new Size(a.Size, a.Size), 0, 0, InterpolationFlags.Area);
            return (a, resized);
        }).ToList();

        try
        {
            using var background = new Mat(height, width, MatType.CV_8UC3);
            Cv2.Randu(background, new Scalar(60, 60, 60), new Scalar(110, 110, 110));
            Cv2.GaussianBlur(background, background, new Size(0, 0), 3);
            using var writer = new VideoWriter(path, FourCC.MP4V, fps, new Size(width, height));
            if (!writer.IsOpened())
            {
                throw new InvalidOperationException("OpenCV could not open a video writer for " + path);
            }

            var frames = (int)Math.Round(seconds * fps);
            using var frame = new Mat();
            for (var i = 0; i < frames; i++)
            {
                var t = i / fps;
                background.CopyTo(frame);
                foreach (var (a, image) in faces)
                {
                    if (t >= a.From && t < a.To)
                    {
                        using var roi = new Mat(frame, new Rect(a.X, a.Y, a.Size, a.Size));
                        image.CopyTo(roi);
                    }
                }

                writer.Write(frame);
            }
        }
        finally
        {
            foreach (var (_, image) in faces)
            {
                image.Dispose();
            }
        }

        return path;
    }
}

/// <summary>
/// A face shown from <see cref="From"/> to <see cref="To"/> seconds, its centre moving in a straight line from
/// (<see cref="X0"/>, <see cref="Y0"/>) to (<see cref="X1"/>, <see cref="Y1"/>), its detector box
/// <see cref="FaceSize"/> pixels wide.
/// </summary>
public sealed record MovingFace(string Photo, double From, double To, int X0, int Y0, int X1, int Y1, int FaceSize);

/// <summary>Clips of faces at exact face sizes moving over a real background (see <see cref="FaceSprites"/>).</summary>
public static class MovingFaceClips
{
    /// <summary>Encodes the clip with OpenCV's bundled FFmpeg (MPEG-4 part 2) and returns its path.</summary>
    public static string Build(
        Vision.Pipeline.FaceEngine engine, string path, int width, int height, double fps, double seconds, string backgroundPhoto, params MovingFace[] faces)
    {
        var sprites = new List<(MovingFace Face, Mat Image, Core.Faces.BoundingBox Box)>(faces.Length);
        try
        {
            foreach (var face in faces)
            {
                using var sprite = FaceSprites.Cut(engine, face.Photo);
                var (image, box) = FaceSprites.Scaled(sprite, face.FaceSize);
                sprites.Add((face, image, box));
            }

            using var background = FaceSprites.LoadBackground(backgroundPhoto, width, height);
            using var writer = new VideoWriter(path, FourCC.MP4V, fps, new Size(width, height));
            if (!writer.IsOpened())
            {
                throw new InvalidOperationException("OpenCV could not open a video writer for " + path);
            }

            var frames = (int)Math.Round(seconds * fps);
            using var frame = new Mat();
            for (var i = 0; i < frames; i++)
            {
                var t = i / fps;
                background.CopyTo(frame);
                foreach (var (face, image, box) in sprites)
                {
                    if (t >= face.From && t < face.To)
                    {
                        var p = (t - face.From) / Math.Max(1e-9, face.To - face.From);
                        FaceSprites.Paste(frame, image, box, (int)Math.Round(face.X0 + ((face.X1 - face.X0) * p)), (int)Math.Round(face.Y0 + ((face.Y1 - face.Y0) * p)));
                    }
                }

                writer.Write(frame);
            }
        }
        finally
        {
            foreach (var (_, image, _) in sprites)
            {
                image.Dispose();
            }
        }

        return path;
    }
}
