using Argus.Core.Faces;
using Argus.Vision.Imaging;
using OpenCvSharp;

namespace Argus.Vision.Pipeline;

/// <summary>When a video's tiles are detected: only where something moved, and around the faces already followed.</summary>
public sealed record MotionGateOptions
{
    /// <summary>Skip tiles where nothing moved and follow known faces in windows; false detects every tile of every frame.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>
    /// Every this many analysed frames every tile is detected (2 s at 5 analysed fps): a person who came in without
    /// enough motion to be seen (or stands still) is found within that time, however still.
    /// </summary>
    public int FullPassEvery { get; init; } = 10;

    /// <summary>Width of the grey copy that frames are compared on (320: a 1080p frame shrinks 6x, a 40 px face to 7 px).</summary>
    public int MotionWidth { get; init; } = 320;

    /// <summary>
    /// Grey levels (0-255) by which a pixel of the shrunk copy must change between analysed frames to count as motion.
    /// Shrinking averages 36 pixels of a 1080p frame into one, which evens out sensor and compression noise (a few
    /// levels); a face or body moving by a few pixels changes its edges by tens of levels.
    /// </summary>
    public int PixelThreshold { get; init; } = 12;

    /// <summary>Changed pixels of the shrunk copy inside a tile (outside the windows around known faces) for the tile to be detected.</summary>
    public int MinChangedPixels { get; init; } = 3;

    /// <summary>The gate for cameras.</summary>
    public static MotionGateOptions Default { get; } = new();

    /// <summary>No gate: every tile of every frame.</summary>
    public static MotionGateOptions Off { get; } = new() { Enabled = false };
}

/// <summary>Detector runs of one camera, counted since it started.</summary>
public readonly record struct DetectionCounters(long Frames, long FullPasses, long DetectorRuns, long TilesSkipped, long TrackWindows);

/// <summary>
/// Tiled detection for one video stream (one instance per camera; not thread-safe), spending detector runs only where
/// faces can be new or are known. Each analysed frame runs the whole-frame pass (large faces), plus:
/// <list type="bullet">
/// <item>a window centred on each face the caller already follows (its last box), sized so the face is a little
/// larger on the detector canvas than in a tile: the face is whole in it, so a followed face gets a detection, and a
/// shot, on every analysed frame;</item>
/// <item>every tile where the frame changed since the last analysed frame (differences of a small grey copy), not
/// counting the change inside those windows (a followed person walking);</item>
/// <item>every tile, on the first frame, after <see cref="Reset"/> and every <see cref="MotionGateOptions.FullPassEvery"/>
/// frames, so a face that came in without motion is still found.</item>
/// </list>
/// Without tiling (or with the gate off) it is <see cref="TiledDetector"/>.
/// </summary>
public sealed class GatedDetector : IDisposable
{
    private readonly FaceEngine _engine;
    private readonly TilingOptions _tiling;
    private readonly MotionGateOptions _gate;
    private readonly TiledDetector _full;
    private readonly List<(int X, int Y, int W, int H)> _windows = [];
    private readonly Mat _small = new();
    private readonly Mat _grey = new();
    private readonly Mat _previous = new();
    private readonly Mat _diff = new();
    private (int X, int Y, int W, int H)[] _tiles = [];
    private (int Width, int Height) _frameSize;
    private int _sinceFull;
    private bool _hasPrevious;
    private long _frames;
    private long _fullPasses;
    private long _runs;
    private long _skipped;
    private long _trackWindows;

    /// <summary>A detector for one stream with the camera's tiling and gate.</summary>
    public GatedDetector(FaceEngine engine, TilingOptions tiling, MotionGateOptions gate)
    {
        _engine = engine;
        _tiling = tiling;
        _gate = gate;
        _full = new TiledDetector(engine, tiling);
    }

    /// <summary>Detector runs so far (read from any thread).</summary>
    public DetectionCounters Counters => new(
        Interlocked.Read(ref _frames), Interlocked.Read(ref _fullPasses), Interlocked.Read(ref _runs), Interlocked.Read(ref _skipped), Interlocked.Read(ref _trackWindows));

    /// <summary>The next frame is detected in full and compared with nothing (after an outage, the view may have changed).</summary>
    public void Reset()
    {
        _hasPrevious = false;
        _sinceFull = 0;
    }

    /// <summary>
    /// Faces in <paramref name="frame"/>, best first. <paramref name="followed"/> are the last boxes of the faces the
    /// caller follows (its tracks), in frame pixels.
    /// </summary>
    public IReadOnlyList<FaceDetection> Detect(DecodedImage frame, IReadOnlyList<BoundingBox> followed)
    {
        Interlocked.Increment(ref _frames);
        var tiled = _tiling.Enabled && (frame.Width > _tiling.TileWidth || frame.Height > _tiling.TileHeight);
        if (_frameSize != (frame.Width, frame.Height))
        {
            _frameSize = (frame.Width, frame.Height);
            _tiles = tiled ? [.. TiledDetector.Tiles(frame.Width, frame.Height, _tiling)] : [];
            _hasPrevious = false;
        }

        if (!tiled || !_gate.Enabled)
        {
            Interlocked.Increment(ref _fullPasses);
            Interlocked.Add(ref _runs, 1 + _tiles.Length);
            return _full.Detect(frame);
        }

        // The grey copy: shrunk first (area averaging, which also evens out noise), then converted, so the colour
        // conversion touches 1/36 of the pixels.
        var scale = Math.Min(1.0, _gate.MotionWidth / (double)frame.Width);
        var smallSize = new Size(Math.Max(1, (int)Math.Round(frame.Width * scale)), Math.Max(1, (int)Math.Round(frame.Height * scale)));
        Cv2.Resize(frame.Mat, _small, smallSize, 0, 0, InterpolationFlags.Area);
        Cv2.CvtColor(_small, _grey, ColorConversionCodes.BGR2GRAY);
        var full = !_hasPrevious || ++_sinceFull >= _gate.FullPassEvery;
        if (full)
        {
            _grey.CopyTo(_previous);
            _hasPrevious = true;
            _sinceFull = 0;
            Interlocked.Increment(ref _fullPasses);
            Interlocked.Add(ref _runs, 1 + _tiles.Length);
            return _full.Detect(frame);
        }

        Cv2.Absdiff(_grey, _previous, _diff);
        Cv2.Threshold(_diff, _diff, _gate.PixelThreshold, 255, ThresholdTypes.Binary);
        _grey.CopyTo(_previous);

        var candidates = TiledDetector.Candidates(_engine.Detect(frame));
        var runs = 1;
        PlanWindows(frame.Width, frame.Height, followed, _tiling, _windows);
        foreach (var (x, y, w, h) in _windows)
        {
            TiledDetector.DetectIn(_engine, frame, x, y, w, h, _tiling.TileMargin, candidates);
            runs++;

            // A followed person's motion is accounted for by the window that follows them.
            using var covered = new Mat(_diff, ToSmall(x, y, w, h, scale, _diff.Width, _diff.Height));
            covered.SetTo(Scalar.All(0));
        }

        var skipped = 0;
        foreach (var (x, y, w, h) in _tiles)
        {
            using var cell = new Mat(_diff, ToSmall(x, y, w, h, scale, _diff.Width, _diff.Height));
            if (Cv2.CountNonZero(cell) >= _gate.MinChangedPixels)
            {
                TiledDetector.DetectIn(_engine, frame, x, y, w, h, _tiling.TileMargin, candidates);
                runs++;
            }
            else
            {
                skipped++;
            }
        }

        Interlocked.Add(ref _runs, runs);
        Interlocked.Add(ref _skipped, skipped);
        Interlocked.Add(ref _trackWindows, _windows.Count);
        return TiledDetector.Merge(_engine, candidates);
    }

    /// <summary>
    /// Face side on the detector canvas that a window around a followed face is sized for: larger than a tile's
    /// <see cref="TilingOptions.CanvasFaceSize"/> (20 px), because a window sees a followed face once where overlapping
    /// tiles saw it up to four times, and smaller tiles found more small faces (`argus bench detection`: 560x420 tiles,
    /// 23 px, 92-98% at 40-48 px against 81-91% for 640x480).
    /// </summary>
    internal const int WindowFaceSize = 28;

    /// <summary>
    /// One window centred on each followed face, sized so that the face is <see cref="WindowFaceSize"/> px on the
    /// detector canvas (no smaller than the canvas, no larger than a tile), kept inside the frame; a face already well
    /// inside an earlier window shares it. Faces taller than half a tile are left to the whole-frame pass (which finds
    /// them: they are several times the size it loses), as is a frame no larger than a tile.
    /// </summary>
    internal static void PlanWindows(int width, int height, IReadOnlyList<BoundingBox> followed, TilingOptions tiling, List<(int X, int Y, int W, int H)> windows)
    {
        windows.Clear();
        var tileW = Math.Min(tiling.TileWidth, width);
        var tileH = Math.Min(tiling.TileHeight, height);
        for (var i = 0; i < followed.Count; i++)
        {
            var box = followed[i];
            if (box.Height > tileH / 2f)
            {
                continue;
            }

            // A quarter of a face's side of slack on each side: room to move before the next frame.
            var slack = box.Width / 4f;
            var inside = false;
            foreach (var (x, y, ww, hh) in windows)
            {
                if (box.X - slack >= x && box.Y - slack >= y && box.Right + slack <= x + ww && box.Bottom + slack <= y + hh)
                {
                    inside = true;
                    break;
                }
            }

            if (!inside)
            {
                var side = MathF.Max(box.Width, box.Height);
                var w = Math.Min(tileW, Math.Clamp((int)(FaceEngine.DetectorWidth * side / WindowFaceSize), FaceEngine.DetectorWidth, Math.Max(FaceEngine.DetectorWidth, tiling.TileWidth)));
                var h = Math.Min(tileH, w * 3 / 4);
                var x = Math.Clamp((int)MathF.Round(box.CenterX - (w / 2f)), 0, width - w);
                var y = Math.Clamp((int)MathF.Round(box.CenterY - (h / 2f)), 0, height - h);
                windows.Add((x, y, w, h));
            }
        }
    }

    private static Rect ToSmall(int x, int y, int w, int h, double scale, int smallWidth, int smallHeight)
    {
        var x1 = Math.Clamp((int)Math.Floor(x * scale), 0, smallWidth - 1);
        var y1 = Math.Clamp((int)Math.Floor(y * scale), 0, smallHeight - 1);
        var x2 = Math.Clamp((int)Math.Ceiling((x + w) * scale), x1 + 1, smallWidth);
        var y2 = Math.Clamp((int)Math.Ceiling((y + h) * scale), y1 + 1, smallHeight);
        return new Rect(x1, y1, x2 - x1, y2 - y1);
    }

    /// <summary>Releases the grey copies.</summary>
    public void Dispose()
    {
        _small.Dispose();
        _grey.Dispose();
        _previous.Dispose();
        _diff.Dispose();
    }
}
