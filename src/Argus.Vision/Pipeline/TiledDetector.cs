using Argus.Core;
using Argus.Vision.Geometry;
using Argus.Vision.Imaging;

namespace Argus.Vision.Pipeline;

/// <summary>Part of a frame where faces appear, as fractions of the frame's width and height (0..1).</summary>
public readonly record struct DetectionRegion(float X, float Y, float Width, float Height)
{
    /// <summary>The whole frame.</summary>
    public static DetectionRegion Whole { get; } = new(0, 0, 1, 1);

    /// <summary>Refuses a region outside the frame or without area.</summary>
    public DetectionRegion Validate() =>
        X >= 0 && Y >= 0 && Width > 0 && Height > 0 && X + Width <= 1.0001f && Y + Height <= 1.0001f
            ? this
            : throw new ArgusException("camera.region_invalid", $"Detection region {X},{Y},{Width},{Height} must lie inside the frame (fractions 0..1, x+width and y+height at most 1).");

    /// <summary>Parses <c>x,y,width,height</c> (fractions of the frame).</summary>
    public static DetectionRegion Parse(string text)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        var values = new float[4];
        if (parts.Length != 4 || !float.TryParse(parts[0], System.Globalization.CultureInfo.InvariantCulture, out values[0])
            || !float.TryParse(parts[1], System.Globalization.CultureInfo.InvariantCulture, out values[1])
            || !float.TryParse(parts[2], System.Globalization.CultureInfo.InvariantCulture, out values[2])
            || !float.TryParse(parts[3], System.Globalization.CultureInfo.InvariantCulture, out values[3]))
        {
            throw new ArgusException("camera.region_invalid", $"Detection region '{text}': expected x,y,width,height as fractions of the frame, e.g. 0,0.3,1,0.5.");
        }

        return new DetectionRegion(values[0], values[1], values[2], values[3]).Validate();
    }

    /// <summary>
    /// Parses regions separated by ';' (<c>x,y,width,height;x,y,width,height</c>); null or empty text is the whole
    /// frame. At most <see cref="TilingOptions.MaxRegions"/>.
    /// </summary>
    public static IReadOnlyList<DetectionRegion> ParseList(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return [Whole];
        }

        var parts = text.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length > TilingOptions.MaxRegions)
        {
            throw new ArgusException("camera.region_invalid", $"{parts.Length} detection regions: use at most {TilingOptions.MaxRegions}.");
        }

        var regions = new DetectionRegion[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            regions[i] = Parse(parts[i]);
        }

        return regions;
    }

    /// <summary>Regions as <see cref="ParseList"/> reads them (invariant culture).</summary>
    public static string Format(IReadOnlyList<DetectionRegion> regions) =>
        string.Join(';', regions.Select(r => FormattableString.Invariant($"{r.X:0.####},{r.Y:0.####},{r.Width:0.####},{r.Height:0.####}")));
}

/// <summary>Detector tiling: overlapping crops of the detector's aspect, each detected on its own.</summary>
public sealed record TilingOptions
{
    /// <summary>Detect tile by tile as well as on the whole frame.</summary>
    public bool Enabled { get; init; }

    /// <summary>
    /// Tile size. The detector sees a 320x240 canvas; with the 15% letterbox margin a 480x360 tile is shrunk by 0.47,
    /// so a 32 px face becomes about 15 px, above the detector's smallest prior (10 px). Whole 1080p frames shrink by
    /// 0.12, which loses every face under about 85 px.
    /// </summary>
    public int TileWidth { get; init; } = 480;

    /// <summary>Tile height; see <see cref="TileWidth"/>.</summary>
    public int TileHeight { get; init; } = 360;

    /// <summary>Fraction of a tile shared with its neighbour, so that a face cut by one tile is whole in the next.</summary>
    public float Overlap { get; init; } = 0.25f;

    /// <summary>Letterbox margin of a tile on the detector canvas (the whole frame keeps the engine's).</summary>
    public float TileMargin { get; init; } = Letterbox.DefaultMargin;

    /// <summary>
    /// Where tiles are laid: one or more parts of the frame where faces appear (faces outside them are still found by
    /// the whole-frame pass when large enough). The whole frame by default.
    /// </summary>
    public IReadOnlyList<DetectionRegion> Regions { get; init; } = [DetectionRegion.Whole];

    /// <summary>The first region; setting it makes it the only one.</summary>
    public DetectionRegion Region
    {
        get => Regions.Count > 0 ? Regions[0] : DetectionRegion.Whole;
        init => Regions = [value];
    }

    /// <summary>At most this many regions per camera (each adds its own row of tiles).</summary>
    public const int MaxRegions = 4;

    /// <summary>
    /// Face side on the detector canvas that a tile is sized for. RFB-320's smallest prior is 10 px; in the comparison
    /// in docs/benchmarks.md (`argus bench detection`) 20 px (640x480 tiles for 40 px faces) found more 40-64 px faces
    /// than the old 480x360 tiles with margin, with 12 tiles instead of 20 at 1080p; 16 px (800x600) and 13 px
    /// (960x720) lost 12 and 29 points of recall at 40 px.
    /// </summary>
    public const int CanvasFaceSize = 20;

    /// <summary>
    /// Tiles sized so that a face of <paramref name="smallestFace"/> pixels becomes <see cref="CanvasFaceSize"/> on the
    /// detector canvas, without a letterbox margin (a tile's edge faces are found whole in its neighbour), overlapping
    /// by a quarter so that faces too small for the whole-frame pass are whole in some tile.
    /// </summary>
    public static TilingOptions ForSmallestFace(int smallestFace)
    {
        if (smallestFace is < 16 or > 400)
        {
            throw new ArgusException("camera.smallest_face_invalid", $"Smallest face {smallestFace} px: use 16-400 px.");
        }

        var width = 320 * smallestFace / CanvasFaceSize;
        return new TilingOptions { Enabled = true, TileWidth = width, TileHeight = width * 3 / 4, Overlap = 0.25f, TileMargin = 0 };
    }

    /// <summary>The default for cameras: tiles sized for faces down to 40 px (docs/benchmarks.md, small-face detection).</summary>
    public static TilingOptions Default { get; } = ForSmallestFace(40);

    /// <summary>Whole-frame detection only: faces under about 85 px at 1080p are missed.</summary>
    public static TilingOptions WholeFrame { get; } = new() { Enabled = false };

    /// <summary>One line for logs and reports: tile size, overlap, margin, region.</summary>
    public string Describe() => !Enabled
        ? "whole frame only"
        : FormattableString.Invariant($"tiles {TileWidth}x{TileHeight}, {Overlap:P0} overlap, margin {TileMargin:0.##}{(Regions.Count == 1 && Region == DetectionRegion.Whole ? "" : $", region {DetectionRegion.Format(Regions)}")}");
}

/// <summary>Finds faces in a frame, optionally tile by tile as well as whole, merging the results with NMS.</summary>
public sealed class TiledDetector(FaceEngine engine, TilingOptions options)
{
    /// <summary>Faces in <paramref name="frame"/>, merged across the whole frame and its tiles, best first.</summary>
    public IReadOnlyList<FaceDetection> Detect(DecodedImage frame)
    {
        var whole = engine.Detect(frame);
        if (!options.Enabled || (frame.Width <= options.TileWidth && frame.Height <= options.TileHeight))
        {
            return whole;
        }

        var candidates = Candidates(whole);
        foreach (var (x, y, w, h) in Tiles(frame.Width, frame.Height, options))
        {
            DetectIn(engine, frame, x, y, w, h, options.TileMargin, candidates);
        }

        return Merge(engine, candidates);
    }

    /// <summary>The whole-frame detections as NMS candidates.</summary>
    internal static List<ScoredBox> Candidates(IReadOnlyList<FaceDetection> whole)
    {
        var candidates = new List<ScoredBox>(whole.Count * 2);
        foreach (var d in whole)
        {
            candidates.Add(new ScoredBox(d.Box, d.Score));
        }

        return candidates;
    }

    /// <summary>
    /// Detects in one window of the frame (a tile, or a window around a track) and adds its faces, in frame
    /// coordinates, to <paramref name="candidates"/>; faces cut by an inner edge of the window are dropped (they are
    /// whole in an overlapping window, or in the next full pass).
    /// </summary>
    internal static void DetectIn(FaceEngine engine, DecodedImage frame, int x, int y, int w, int h, float margin, List<ScoredBox> candidates)
    {
        using var tile = frame.Region(x, y, w, h);
        foreach (var d in engine.DetectWithMargin(tile, margin))
        {
            var touchesInnerEdge = (d.Box.X <= 1 && x > 0) || (d.Box.Y <= 1 && y > 0)
                || (d.Box.Right >= w - 1 && x + w < frame.Width) || (d.Box.Bottom >= h - 1 && y + h < frame.Height);
            if (!touchesInnerEdge)
            {
                candidates.Add(new ScoredBox(d.Box with { X = d.Box.X + x, Y = d.Box.Y + y }, d.Score));
            }
        }
    }

    /// <summary>Non-maximum suppression across windows, best first.</summary>
    internal static List<FaceDetection> Merge(FaceEngine engine, List<ScoredBox> candidates)
    {
        var kept = NonMaximumSuppression.Apply(candidates, engine.Options.NmsIouThreshold);
        var result = new List<FaceDetection>(kept.Count);
        foreach (var k in kept)
        {
            result.Add(new FaceDetection(k.Box, k.Score));
        }

        return result;
    }

    /// <summary>
    /// Tile rectangles covering the configured regions of the frame with the configured overlap; the last row and
    /// column of a region end at its edge; a tile two regions share is listed once.
    /// </summary>
    internal static IEnumerable<(int X, int Y, int Width, int Height)> Tiles(int width, int height, TilingOptions options)
    {
        if (options.Regions.Count <= 1)
        {
            return TilesIn(width, height, options, options.Region);
        }

        var tiles = new List<(int X, int Y, int Width, int Height)>();
        foreach (var region in options.Regions)
        {
            foreach (var tile in TilesIn(width, height, options, region))
            {
                if (!tiles.Contains(tile))
                {
                    tiles.Add(tile);
                }
            }
        }

        return tiles;
    }

    private static IEnumerable<(int X, int Y, int Width, int Height)> TilesIn(int width, int height, TilingOptions options, DetectionRegion r)
    {
        var w = Math.Min(options.TileWidth, width);
        var h = Math.Min(options.TileHeight, height);

        // The region is where face centres are; grown by half the overlap so a face centred on its edge is still whole
        // in a tile (the overlap is what a face may span).
        var growX = r == DetectionRegion.Whole ? 0 : (int)(w * options.Overlap / 2);
        var growY = r == DetectionRegion.Whole ? 0 : (int)(h * options.Overlap / 2);
        var left = Math.Clamp((int)MathF.Floor(r.X * width) - growX, 0, width - 1);
        var top = Math.Clamp((int)MathF.Floor(r.Y * height) - growY, 0, height - 1);
        var right = Math.Clamp((int)MathF.Ceiling((r.X + r.Width) * width) + growX, left + 1, width);
        var bottom = Math.Clamp((int)MathF.Ceiling((r.Y + r.Height) * height) + growY, top + 1, height);

        // A region narrower than a tile still gets whole tiles, centred on it and kept inside the frame.
        var spanLeft = right - left < w ? Math.Clamp(((left + right) / 2) - (w / 2), 0, width - w) : left;
        var spanRight = right - left < w ? spanLeft + w : right;
        var spanTop = bottom - top < h ? Math.Clamp(((top + bottom) / 2) - (h / 2), 0, height - h) : top;
        var spanBottom = bottom - top < h ? spanTop + h : bottom;
        var stepX = Math.Max(1, (int)(w * (1 - options.Overlap)));
        var stepY = Math.Max(1, (int)(h * (1 - options.Overlap)));
        for (var y = spanTop; ; y += stepY)
        {
            var ty = Math.Min(y, spanBottom - h);
            for (var x = spanLeft; ; x += stepX)
            {
                var tx = Math.Min(x, spanRight - w);
                yield return (tx, ty, w, h);
                if (tx + w >= spanRight)
                {
                    break;
                }
            }

            if (ty + h >= spanBottom)
            {
                break;
            }
        }
    }
}
