using System.Numerics;
using Argus.Core.Faces;
using Argus.Vision.Geometry;
using Argus.Vision.Pipeline;

namespace Argus.Vision.Tests;

[Trait("Category", "Unit")]
public sealed class LetterboxTests
{
    [Fact]
    public void A_4_by_3_image_fills_the_inner_area_and_maps_back_exactly()
    {
        // Canvas 320x240 minus 15% per side = 224x168; 640x480 scales by 0.35 to exactly that, centred at (48, 36).
        var lb = Letterbox.Fit(640, 480, 320, 240);
        Assert.Equal(0.35f, lb.Scale, 5);
        Assert.Equal((224, 168), (lb.ContentWidth, lb.ContentHeight));
        Assert.Equal((48f, 36f), (lb.OffsetX, lb.OffsetY));
        Assert.Equal(0f, lb.ToImageX(48), 3);
        Assert.Equal(640f, lb.ToImageX(272), 3);
        Assert.Equal(480f, lb.ToImageY(204), 3);
        Assert.Equal(100f, lb.ToImageX(lb.ToCanvasX(100)), 3);
    }

    [Fact]
    public void A_tall_image_is_limited_by_height_and_centred_horizontally()
    {
        // 100x400: scale = min(224/100, 168/400) = 0.42 -> content 42x168 at x = floor((320-42)/2) = 139, y = 36.
        var lb = Letterbox.Fit(100, 400, 320, 240);
        Assert.Equal((42, 168), (lb.ContentWidth, lb.ContentHeight));
        Assert.Equal((139f, 36f), (lb.OffsetX, lb.OffsetY));
        Assert.Equal(0.42f, lb.Scale, 5);
    }

    [Fact]
    public void Refuses_empty_images()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Letterbox.Fit(0, 10, 320, 240));
    }
}

[Trait("Category", "Unit")]
public sealed class SimilarityTransformTests
{
    [Fact]
    public void Recovers_a_known_rotation_scale_and_translation()
    {
        // Target = rotate by 90 degrees, scale by 2, shift by (10, -5): x' = -2y + 10, y' = 2x - 5, so a = 0, b = 2.
        var source = SimilarityTransform.ArcFace112;
        var target = source.Select(p => new Vector2((-2 * p.Y) + 10, (2 * p.X) - 5)).ToArray();
        var t = SimilarityTransform.Estimate(source, target);
        Assert.Equal(0f, t.A, 4);
        Assert.Equal(2f, t.B, 4);
        Assert.Equal(10f, t.Tx, 3);
        Assert.Equal(-5f, t.Ty, 3);
        Assert.Equal(2f, t.Scale, 4);
        Assert.Equal(90f, t.RotationDegrees, 3);
    }

    [Fact]
    public void Identity_for_identical_points()
    {
        var t = SimilarityTransform.Estimate(SimilarityTransform.ArcFace112, SimilarityTransform.ArcFace112);
        Assert.Equal(new SimilarityTransform(1, 0, 0, 0), t with { A = MathF.Round(t.A, 5), B = MathF.Round(t.B, 5), Tx = MathF.Round(t.Tx, 3), Ty = MathF.Round(t.Ty, 3) });
    }

    [Fact]
    public void Least_squares_averages_symmetric_noise()
    {
        // Two points pushed apart and two pulled together by the same amount: a pure-scale fit of 1 remains.
        Vector2[] source = [new(-1, 0), new(1, 0), new(0, -1), new(0, 1)];
        Vector2[] target = [new(-1.1f, 0), new(1.1f, 0), new(0, -0.9f), new(0, 0.9f)];
        var t = SimilarityTransform.Estimate(source, target);
        Assert.Equal(1f, t.A, 5);
        Assert.Equal(0f, t.B, 5);
    }

    [Fact]
    public void Refuses_degenerate_input()
    {
        Assert.Throws<ArgumentException>(() => SimilarityTransform.Estimate([new(1, 1), new(1, 1)], [new(0, 0), new(1, 1)]));
        Assert.Throws<ArgumentException>(() => SimilarityTransform.Estimate([new(1, 1)], [new(0, 0)]));
    }
}

[Trait("Category", "Unit")]
public sealed class NonMaximumSuppressionTests
{
    [Fact]
    public void Keeps_the_best_of_overlapping_boxes_and_all_separate_ones()
    {
        // IoU(A, B) = 81 / 119 = 0.68 > 0.4: B goes. C overlaps nothing. D overlaps A by 25/175 = 0.14: kept.
        var a = new ScoredBox(new BoundingBox(0, 0, 10, 10), 0.8f);
        var b = new ScoredBox(new BoundingBox(1, 1, 10, 10), 0.7f);
        var c = new ScoredBox(new BoundingBox(50, 50, 10, 10), 0.6f);
        var d = new ScoredBox(new BoundingBox(5, 5, 10, 10), 0.9f);
        var kept = NonMaximumSuppression.Apply([a, b, c, d], 0.4f);
        Assert.Equal([d, a, c], kept);
    }

    [Fact]
    public void Sorts_by_score_not_position()
    {
        // The package's JavaScript sorted by box bottom; the higher score must win regardless of position.
        var low = new ScoredBox(new BoundingBox(0, 10, 10, 10), 0.7f);
        var high = new ScoredBox(new BoundingBox(0, 9, 10, 10), 0.95f);
        Assert.Equal([high], NonMaximumSuppression.Apply([low, high], 0.4f));
    }
}

[Trait("Category", "Unit")]
public sealed class LandmarkReductionTests
{
    [Fact]
    public void Five_points_are_the_documented_means_of_the_68()
    {
        // Point i = (i, 2i): eye means are of indices 37,38,40,41 -> 39 and 43,44,46,47 -> 45.
        var l = new float[136];
        for (var i = 0; i < 68; i++)
        {
            l[2 * i] = i;
            l[(2 * i) + 1] = 2 * i;
        }

        var five = FaceEngine.FivePoints(l);
        Assert.Equal(new Vector2(39, 78), five.LeftEye);
        Assert.Equal(new Vector2(45, 90), five.RightEye);
        Assert.Equal(new Vector2(30, 60), five.Nose);
        Assert.Equal(new Vector2(54, 108), five.LeftMouth);
        Assert.Equal(new Vector2(59, 118), five.RightMouth);
    }
}

[Trait("Category", "Unit")]
public sealed class TilingTests
{
    [Fact]
    public void Tiles_cover_a_1080p_frame_with_overlap_and_end_at_the_edges()
    {
        var tiles = TiledDetector.Tiles(1920, 1080, new TilingOptions { Enabled = true }).ToList();

        // Step 360 x 270 (25% overlap of 480 x 360): columns at 0..1440 (5), rows at 0..720 (4 after clamping).
        Assert.Equal(5 * 4, tiles.Count);
        Assert.All(tiles, t => Assert.True(t.X >= 0 && t.Y >= 0 && t.X + t.Width <= 1920 && t.Y + t.Height <= 1080));
        Assert.Contains(tiles, t => t.X + t.Width == 1920 && t.Y + t.Height == 1080);
        for (var x = 0; x < 1920; x += 40)
        {
            for (var y = 0; y < 1080; y += 40)
            {
                Assert.Contains(tiles, t => x >= t.X && x < t.X + t.Width && y >= t.Y && y < t.Y + t.Height);
            }
        }
    }

    [Fact]
    public void A_frame_smaller_than_a_tile_is_one_tile()
    {
        Assert.Equal([(0, 0, 320, 240)], TiledDetector.Tiles(320, 240, new TilingOptions { Enabled = true }));
    }

    [Fact]
    public void The_default_tiles_are_sized_for_40_px_faces_and_fewer_than_the_old_ones()
    {
        var d = TilingOptions.Default;
        Assert.True(d.Enabled);
        Assert.Equal((640, 480, 0f), (d.TileWidth, d.TileHeight, d.TileMargin));
        var tiles = TiledDetector.Tiles(1920, 1080, d).ToList();
        Assert.Equal(4 * 3, tiles.Count);
        Assert.True(tiles.Count < TiledDetector.Tiles(1920, 1080, new TilingOptions { Enabled = true }).Count());
    }

    [Fact]
    public void A_region_gets_tiles_only_around_it()
    {
        var options = TilingOptions.Default with { Region = new DetectionRegion(0, 0.4f, 1, 0.3f) };
        var tiles = TiledDetector.Tiles(1920, 1080, options).ToList();

        // Region rows 432..756 px, grown by 60 px: one row of 480 px tiles centred on it.
        Assert.Equal(4, tiles.Count);
        Assert.All(tiles, t => Assert.True(t.Y <= 432 - 60 && t.Y + t.Height >= 756 + 60, $"tile at y {t.Y}"));
    }

    [Theory]
    [InlineData("0,0,1")]
    [InlineData("0,0.5,1,0.6")]
    [InlineData("a,b,c,d")]
    [InlineData("-0.1,0,1,1")]
    public void A_bad_region_is_refused_with_a_code(string text)
    {
        var e = Assert.Throws<Argus.Core.ArgusException>(() => DetectionRegion.Parse(text));
        Assert.Equal("camera.region_invalid", e.Code);
    }

    [Fact]
    public void A_smallest_face_out_of_range_is_refused_with_a_code()
    {
        Assert.Equal("camera.smallest_face_invalid", Assert.Throws<Argus.Core.ArgusException>(() => TilingOptions.ForSmallestFace(8)).Code);
        Assert.Equal(560, TilingOptions.ForSmallestFace(35).TileWidth);
    }
}
