using Argus.Core.Purposes;

namespace Argus.Core.Tests;

/// <summary>
/// A searched list's floor follows its size: a list large enough that the fixed floor would let strangers through
/// more often than 1% gets a stricter one, read from the calibration; nobody can lower it, not even by editing the
/// calibration.
/// </summary>
public sealed class SearchFloorTests
{
    // The operating points argus calibrate measured on faces-dev (docs/accuracy.md).
    private static readonly CalibrationPoint[] FacesDev =
    [
        new(1e-2, 0.3071f), new(1e-3, 0.3857f), new(1e-4, 0.4429f), new(1e-5, 0.4991f),
    ];

    [Fact]
    public void Without_a_calibration_every_list_has_the_fixed_floor()
    {
        foreach (var n in new long[] { 0, 1, 100, 1_000_000 })
        {
            var f = SearchLimits.FloorFor("wanted", n, []);
            Assert.Equal(SearchLimits.Floor, f.Threshold);
            Assert.False(f.Calibrated);
        }
    }

    [Theory]
    [InlineData(10, 0.45f)] // FMR 1e-3 → 0.386, below the fixed floor
    [InlineData(100, 0.45f)] // FMR 1e-4 → 0.443
    [InlineData(1_000, 0.4991f)] // FMR 1e-5
    public void The_floor_is_the_calibrated_threshold_for_a_one_percent_false_positive_identification_rate(long templates, float expected)
    {
        var f = SearchLimits.FloorFor("wanted", templates, FacesDev);
        Assert.Equal(expected, f.Threshold, 4);
        Assert.Equal(SearchLimits.TargetFpir / templates, f.TargetFmr, 12);
        Assert.True(f.Calibrated);
        Assert.False(f.BeyondCalibration);
    }

    [Fact]
    public void Between_two_operating_points_the_floor_is_interpolated_on_the_logarithm_of_the_rate()
    {
        // 316 templates: FMR 3.16e-5, half a decade between 1e-4 (0.4429) and 1e-5 (0.4991).
        var f = SearchLimits.FloorFor("wanted", 316, FacesDev);
        Assert.InRange(f.Threshold, 0.4700f, 0.4720f);
        Assert.True(SearchLimits.FloorFor("wanted", 200, FacesDev).Threshold < f.Threshold);
        Assert.True(SearchLimits.FloorFor("wanted", 500, FacesDev).Threshold > f.Threshold);
    }

    [Fact]
    public void A_list_larger_than_the_calibration_can_speak_for_takes_the_strictest_point_and_says_so()
    {
        var f = SearchLimits.FloorFor("national", 5_000_000, FacesDev);
        Assert.Equal(0.4991f, f.Threshold, 4);
        Assert.True(f.BeyondCalibration);
    }

    [Fact]
    public void An_edited_calibration_cannot_lower_a_floor_and_nonsense_points_are_ignored()
    {
        CalibrationPoint[] lowered = [new(1e-2, 0.05f), new(1e-6, 0.10f)];
        Assert.Equal(SearchLimits.Floor, SearchLimits.FloorFor("wanted", 10_000, lowered).Threshold);

        CalibrationPoint[] nonsense = [new(0, 0.9f), new(2, 0.9f), new(1e-3, 7f), new(1e-3, float.NaN), new(double.NaN, 0.9f)];
        var f = SearchLimits.FloorFor("wanted", 10, nonsense);
        Assert.Equal(SearchLimits.Floor, f.Threshold);
        Assert.False(f.Calibrated);
    }

    [Fact]
    public void A_threshold_below_any_searched_list_floor_is_refused_with_that_list_named()
    {
        var large = SearchLimits.FloorFor("national", 1_000, FacesDev);
        var e = Assert.Throws<ArgusException>(() => SearchLimits.DemandAtLeast(0.46f, large));
        Assert.Equal("search.threshold_too_low", e.Code);
        Assert.Contains("'national'", e.Message, StringComparison.Ordinal);
        SearchLimits.DemandAtLeast(0.5f, large);
    }
}
