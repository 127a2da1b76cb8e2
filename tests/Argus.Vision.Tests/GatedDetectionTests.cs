using Argus.Bench;
using Argus.Core.Faces;
using Argus.Tests;
using Argus.Vision.Imaging;
using Argus.Vision.Pipeline;
using OpenCvSharp;

namespace Argus.Vision.Tests;

/// <summary>Windows planned around followed faces (no model).</summary>
[Trait("Category", "Unit")]
public sealed class TrackWindowTests
{
    [Fact]
    public void A_followed_face_gets_a_window_centred_on_it_sized_for_it_and_kept_inside_the_frame()
    {
        var windows = new List<(int X, int Y, int W, int H)>();
        GatedDetector.PlanWindows(
            1920, 1080, [new BoundingBox(900, 500, 48, 48), new BoundingBox(10, 1040, 40, 40), new BoundingBox(100, 100, 100, 100)], TilingOptions.Default, windows);

        // 48 px: 320 * 48 / 28 = 548 wide, so the face is 28 px on the canvas; 40 px: 457; 100 px: capped at a tile.
        Assert.Equal([(650, 318, 548, 411), (0, 738, 457, 342), (0, 0, 640, 480)], windows);
    }

    [Fact]
    public void Faces_well_inside_an_earlier_window_share_it_and_large_faces_are_left_to_the_whole_frame()
    {
        var windows = new List<(int X, int Y, int W, int H)>();
        GatedDetector.PlanWindows(
            1920, 1080,
            [new BoundingBox(900, 500, 48, 48), new BoundingBox(1000, 600, 64, 64), new BoundingBox(1400, 100, 300, 300)],
            TilingOptions.Default, windows);
        Assert.Equal([(650, 318, 548, 411)], windows);
    }
}

/// <summary>
/// The motion gate and track windows on real faces: faces-dev faces of 64 px (found by tiles, not by the whole-frame
/// pass) pasted on a 1080p street photo, frame after frame.
/// </summary>
[Trait("Category", "Model")]
public sealed class GatedDetectionTests(EngineFixture fixture) : IClassFixture<EngineFixture>
{
    private static readonly string[] Photos =
    [
        "images/faceapi_sheldon/sheldon3.png", "images/faceapi_leonard/leonard4.png", "images/faceapi_howard/howard3.png",
        "images/faceapi_raj/raj3.png", "images/faceapi_bernadette/bernadette2.png",
    ];

    private static readonly (int X, int Y)[] Places = [(300, 250), (1550, 260), (320, 830), (1560, 840), (960, 560)];

    [SkippableFact]
    public void Tiles_run_where_faces_are_new_or_followed_and_every_tile_on_the_periodic_full_pass()
    {
        var facesDev = TestPaths.RequireFacesDev();
        var engine = fixture.Engine;
        using var background = FaceSprites.LoadBackground(Path.Combine(facesDev, FaceSprites.Background), 1920, 1080);
        var sprites = Photos.Select(p => FaceSprites.Cut(engine, Path.Combine(facesDev, p))).ToList();
        try
        {
            (Mat Frame, List<BoundingBox> Truth) Scene(int faces, int shiftFirst = 0)
            {
                var frame = background.Clone();
                var truth = new List<BoundingBox>();
                for (var i = 0; i < faces; i++)
                {
                    var (scaled, face) = FaceSprites.Scaled(sprites[i], 64);
                    using (scaled)
                    {
                        truth.Add(FaceSprites.Paste(frame, scaled, face, Places[i].X + (i == 0 ? shiftFirst : 0), Places[i].Y));
                    }
                }

                return (frame, truth);
            }

            static int Found(IReadOnlyList<FaceDetection> detections, List<BoundingBox> truth) =>
                truth.Count(t => detections.Any(d => d.Box.IntersectionOverUnion(t) >= 0.3f));

            using var detector = new GatedDetector(engine, TilingOptions.Default, MotionGateOptions.Default with { FullPassEvery = 5 });
            var (four, truth4) = Scene(4);
            using var fourOwner = four;
            using var image4 = DecodedImage.Borrow(four);

            // First frame: every tile (12) and the whole frame.
            var first = detector.Detect(image4, []);
            Assert.Equal(4, Found(first, truth4));
            Assert.Equal(13, detector.Counters.DetectorRuns);
            var whole = engine.Detect(image4);
            Assert.True(Found(whole, truth4) < 4, "the whole-frame pass alone should miss some 64 px faces, or this test proves nothing");

            // Nothing moved, nothing followed: the whole frame only.
            detector.Detect(image4, []);
            Assert.Equal(14, detector.Counters.DetectorRuns);

            // Sensor noise (sigma 4 grey levels) is not motion.
            using var noisy = four.Clone();
            using (var noise = new Mat(noisy.Size(), MatType.CV_16SC3))
            {
                Cv2.Randn(noise, Scalar.All(0), Scalar.All(4));
                using var wide = new Mat();
                noisy.ConvertTo(wide, MatType.CV_16SC3);
                Cv2.Add(wide, noise, wide);
                wide.ConvertTo(noisy, MatType.CV_8UC3);
            }

            using (var noisyImage = DecodedImage.Borrow(noisy))
            {
                detector.Detect(noisyImage, []);
            }

            Assert.Equal(15, detector.Counters.DetectorRuns);

            // The four followed faces, each in a window of its own: found again with 5 runs instead of 13.
            var followed = first.Select(d => d.Box).ToList();
            var again = detector.Detect(image4, followed);
            Assert.Equal(4, Found(again, truth4));
            Assert.Equal(15 + 5, detector.Counters.DetectorRuns);

            // A fifth face comes in, the first moves by 24 px: the new face's tile runs (motion), and it is found.
            var (five, truth5) = Scene(5, shiftFirst: 24);
            using (five)
            using (var image5 = DecodedImage.Borrow(five))
            {
                var before = detector.Counters.DetectorRuns;
                var next = detector.Detect(image5, followed);
                Assert.Equal(5, Found(next, truth5));
                Assert.InRange(detector.Counters.DetectorRuns - before, 6, 12);
                Assert.Equal(1, detector.Counters.FullPasses);

                // Fifth analysed frame after the first full pass: every tile again, followed or not.
                detector.Detect(image5, []);
                Assert.Equal(2, detector.Counters.FullPasses);
            }
        }
        finally
        {
            foreach (var sprite in sprites)
            {
                sprite.Dispose();
            }
        }
    }
}
