using Argus.Core.Faces;
using Argus.Vision.Geometry;
using Argus.Vision.Imaging;

namespace Argus.Vision.Pipeline;

/// <summary>Detector tiling: overlapping crops of about the detector's aspect, each detected on its own.</summary>
public sealed record TilingOptions
{
    /// <summary>Detect tile by tile as well as on the whole frame.</summary>
    public bool Enabled { get; init; }

    /// <summary>
    /// Tile size. The detector sees a 320x240 canvas with a 15% margin, i.e. a 480x360 tile is shrunk by 0.47, so a
    /// 32 px face becomes about 15 px: above the detector's smallest prior (10 px). Whole 1080p frames shrink by 0.12,
    /// which loses every face under about 85 px.
    /// </summary>
    public int TileWidth { get; init; } = 480;

    /// <summary>Tile height; see <see cref="TileWidth"/>.</summary>
    public int TileHeight { get; init; } = 360;

    /// <summary>Fraction of a tile shared with its neighbour, so that a face cut by one tile is whole in the next.</summary>
    public float Overlap { get; init; } = 0.25f;
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

        var candidates = new List<ScoredBox>(whole.Count * 2);
        foreach (var d in whole)
        {
            candidates.Add(new ScoredBox(d.Box, d.Score));
        }

        foreach (var (x, y, w, h) in Tiles(frame.Width, frame.Height, options))
        {
            using var tile = frame.Region(x, y, w, h);
            foreach (var d in engine.Detect(tile))
            {
                // Faces cut by the tile edge are found whole in the overlapping neighbour; drop the cut ones.
                var touchesInnerEdge = (d.Box.X <= 1 && x > 0) || (d.Box.Y <= 1 && y > 0)
                    || (d.Box.Right >= w - 1 && x + w < frame.Width) || (d.Box.Bottom >= h - 1 && y + h < frame.Height);
                if (!touchesInnerEdge)
                {
                    candidates.Add(new ScoredBox(d.Box with { X = d.Box.X + x, Y = d.Box.Y + y }, d.Score));
                }
            }
        }

        var kept = NonMaximumSuppression.Apply(candidates, engine.Options.NmsIouThreshold);
        var result = new List<FaceDetection>(kept.Count);
        foreach (var k in kept)
        {
            result.Add(new FaceDetection(k.Box, k.Score));
        }

        return result;
    }

    /// <summary>Tile rectangles covering the frame with the configured overlap; the last row and column end at the edge.</summary>
    internal static IEnumerable<(int X, int Y, int Width, int Height)> Tiles(int width, int height, TilingOptions options)
    {
        var w = Math.Min(options.TileWidth, width);
        var h = Math.Min(options.TileHeight, height);
        var stepX = Math.Max(1, (int)(w * (1 - options.Overlap)));
        var stepY = Math.Max(1, (int)(h * (1 - options.Overlap)));
        for (var y = 0; ; y += stepY)
        {
            var ty = Math.Min(y, height - h);
            for (var x = 0; ; x += stepX)
            {
                var tx = Math.Min(x, width - w);
                yield return (tx, ty, w, h);
                if (tx + w >= width)
                {
                    break;
                }
            }

            if (ty + h >= height)
            {
                break;
            }
        }
    }
}
