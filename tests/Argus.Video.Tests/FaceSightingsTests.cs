using Argus.Core.Faces;
using Argus.Vision.Pipeline;

namespace Argus.Video.Tests;

/// <summary>A region suggested from where tracked faces were seen.</summary>
[Trait("Category", "Unit")]
public sealed class FaceSightingsTests
{
    [Fact]
    public void Faces_seen_in_a_band_suggest_that_band_grown_by_a_cell_outliers_trimmed()
    {
        var sightings = new FaceSightings();
        var random = new Random(3);
        for (var i = 0; i < 990; i++)
        {
            // Centres across the width, between 45% and 60% of the height of a 1920x1080 frame.
            sightings.Add(new BoundingBox(random.Next(0, 1880), 486 + random.Next(0, 162) - 20, 40, 40), 1920, 1080);
        }

        for (var i = 0; i < 10; i++)
        {
            sightings.Add(new BoundingBox(900, 20, 40, 40), 1920, 1080); // 1%: a poster's face at the top
        }

        var region = Assert.IsType<DetectionRegion>(sightings.Suggest(minSightings: 500));

        // Rows 4-5 of 9 hold the centres (486-648 px); one more row each side: rows 3-6.
        Assert.Equal(new DetectionRegion(0, 3 / 9f, 1, 4 / 9f), region);
    }

    [Fact]
    public void Too_few_sightings_or_faces_everywhere_suggest_nothing()
    {
        var sightings = new FaceSightings();
        for (var i = 0; i < 100; i++)
        {
            sightings.Add(new BoundingBox(900, 500, 40, 40), 1920, 1080);
        }

        Assert.Null(sightings.Suggest(minSightings: 500));
        for (var x = 0; x < 1920; x += 60)
        {
            for (var y = 0; y < 1080; y += 60)
            {
                sightings.Add(new BoundingBox(x, y, 40, 40), 1920, 1080);
            }
        }

        Assert.Null(sightings.Suggest(minSightings: 500));
    }
}
