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
