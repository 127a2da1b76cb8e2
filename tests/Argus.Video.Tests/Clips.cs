using Argus.Core.Faces;
using Argus.Tests;
using Argus.Vision.Imaging;
using Argus.Vision.Pipeline;
using OpenCvSharp;

namespace Argus.Video.Tests;

/// <summary>A face photo shown in a clip from <see cref="From"/> to <see cref="To"/> seconds, at a position and size.</summary>
internal sealed record Appearance(string Photo, double From, double To, int X, int Y, int Size);

/// <summary>Builds test clips with OpenCV's writer (its FFmpeg backend) from faces-dev photos on a textured background.</summary>
internal static class Clips
{
    public static string Build(string path, int width, int height, double fps, double seconds, params Appearance[] appearances)
    {
        var faces = appearances.Select(a =>
        {
            using var photo = Cv2.ImRead(TestPaths.FacesDevFile(a.Photo), ImreadModes.Color);
            var resized = new Mat();
            Cv2.Resize(photo, resized, new Size(a.Size, a.Size), 0, 0, InterpolationFlags.Area);
            return (a, resized);
        }).ToList();

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

        foreach (var (_, image) in faces)
        {
            image.Dispose();
        }

        return path;
    }
}

/// <summary>An exhaustive in-memory matcher over enrolled photos, for tests.</summary>
internal sealed class PhotoMatcher : IFaceMatcher
{
    private readonly List<(long Subject, string Label, Embedding Template)> _enrolled = [];

    public PhotoMatcher(FaceEngine engine, float threshold, params (long Subject, string Label, string Photo)[] people)
    {
        Threshold = threshold;
        foreach (var (subject, label, photo) in people)
        {
            using var image = ImageDecoder.DecodeFile(TestPaths.FacesDevFile(photo));
            _enrolled.Add((subject, label, engine.AnalyzePrimary(image).Face!.Embedding!));
        }
    }

    public float Threshold { get; }

    public FaceMatch? BestMatch(Embedding probe)
    {
        FaceMatch? best = null;
        foreach (var (subject, label, template) in _enrolled)
        {
            var score = probe.Similarity(template);
            if (score >= Threshold && score > (best?.Score ?? float.NegativeInfinity))
            {
                best = new FaceMatch(subject, subject * 10, label, score);
            }
        }

        return best;
    }
}

/// <summary>Collects published alerts.</summary>
internal sealed class AlertLog : IAlertSink
{
    private readonly List<AlertEvent> _alerts = [];

    public IReadOnlyList<AlertEvent> Alerts
    {
        get
        {
            lock (_alerts)
            {
                return [.. _alerts];
            }
        }
    }

    public void Publish(AlertEvent alert)
    {
        lock (_alerts)
        {
            _alerts.Add(alert);
        }
    }
}

public sealed class EngineFixture : IDisposable
{
    private readonly Lazy<FaceEngine> _engine = new(() => new FaceEngineBuilder().UseModelDirectory(TestPaths.Models).EnablePose().Build());

    public FaceEngine Engine => _engine.Value;

    public void Dispose()
    {
        if (_engine.IsValueCreated)
        {
            _engine.Value.Dispose();
        }
    }
}
