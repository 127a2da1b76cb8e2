using System.Diagnostics;
using Argus.Core.Faces;
using Argus.Vision.Imaging;
using Argus.Vision.Pipeline;
using OpenCvSharp;

namespace Argus.Bench;

/// <summary>A detection set-up to compare: a name and the tiling it uses.</summary>
public sealed record DetectionConfig(string Name, TilingOptions Tiling)
{
    /// <summary>A detector other than the engine's tiled one (BlazeFace in the comparison); null for the engine's.</summary>
    public Func<DecodedImage, IReadOnlyList<FaceDetection>>? Detector { get; init; }

    /// <summary>Detector runs per frame, when known (reported beside the time).</summary>
    public int? RunsPerFrame { get; init; }
}

/// <summary>Recall per face size, false detections and cost per frame of one <see cref="DetectionConfig"/>.</summary>
public sealed record DetectionResult(string Name, IReadOnlyDictionary<int, double> RecallBySize, double FalsePerFrame, double MsPerFrame, int Frames);

/// <summary>
/// Small-face detection on composited frames: faces-dev faces at exact sizes pasted at random places on a real street
/// photo (no face of its own) of the given resolution. A face counts as found when a detection's box overlaps its
/// box with IoU 0.3 or more (boxes of tiny faces are a few pixels off); a detection matching no face is false.
/// Timing is single-threaded detection only (tiles, NMS), per frame.
/// </summary>
public static class DetectionBenchmark
{
    /// <summary>The set-ups compared in docs/benchmarks.md.</summary>
    public static IReadOnlyList<DetectionConfig> StandardConfigs(int smallestFace) =>
    [
        new("whole frame", new TilingOptions { Enabled = false }),
        new("tiles 480x360, 25%, margin (as was)", new TilingOptions { Enabled = true }),
        new("default: " + TilingOptions.ForSmallestFace(smallestFace).Describe(), TilingOptions.ForSmallestFace(smallestFace)),
        new("tiles 560x420, no margin", new TilingOptions { Enabled = true, TileWidth = 560, TileHeight = 420, Overlap = 0.25f, TileMargin = 0 }),
        new("tiles 800x600, no margin", new TilingOptions { Enabled = true, TileWidth = 800, TileHeight = 600, Overlap = 0.25f, TileMargin = 0 }),
        new("default in region y 0.25-0.85", TilingOptions.ForSmallestFace(smallestFace) with { Region = new DetectionRegion(0, 0.25f, 1, 0.6f) }),
    ];

    /// <summary>Runs every config over the same frames.</summary>
    public static IReadOnlyList<DetectionResult> Run(
        FaceEngine engine, string facesDev, int width, int height, IReadOnlyList<int> sizes, int framesPerSize, int facesPerFrame,
        IReadOnlyList<DetectionConfig> configs, Action<string>? log = null, string? blazeFaceModels = null)
    {
        var scenes = Scenes(engine, facesDev, width, height, sizes, framesPerSize, facesPerFrame);
        using var blaze = blazeFaceModels is null ? null : new BlazeFaceDetector(blazeFaceModels);
        if (blaze is not null)
        {
            var whole = new BlazeFaceTiles(blaze, 0);
            var tiled = new BlazeFaceTiles(blaze, 512);
            configs =
            [
                .. configs,
                new DetectionConfig("BlazeFace full range, whole frame", TilingOptions.WholeFrame) { Detector = whole.Detect },
                new DetectionConfig("BlazeFace full range, whole + 512x512 tiles", TilingOptions.WholeFrame) { Detector = tiled.Detect },
            ];
        }

        try
        {
            var results = new List<DetectionResult>(configs.Count);
            foreach (var config in configs)
            {
                var detect = config.Detector ?? new TiledDetector(engine, config.Tiling).Detect;
                var found = new Dictionary<int, (int Found, int Total)>();
                var falses = 0;
                var ticks = 0L;
                foreach (var (frame, size, truth) in scenes)
                {
                    using var image = DecodedImage.Borrow(frame);
                    var start = Stopwatch.GetTimestamp();
                    var detections = detect(image);
                    ticks += Stopwatch.GetTimestamp() - start;
                    var matched = new bool[detections.Count];
                    var hits = 0;
                    var counted = 0;
                    var r = config.Tiling.Region;
                    foreach (var t in truth)
                    {
                        // With a region, recall is over the faces inside it (where the camera's faces are said to be).
                        if (t.CenterX < r.X * frame.Width || t.CenterX > (r.X + r.Width) * frame.Width
                            || t.CenterY < r.Y * frame.Height || t.CenterY > (r.Y + r.Height) * frame.Height)
                        {
                            continue;
                        }

                        counted++;
                        for (var d = 0; d < detections.Count; d++)
                        {
                            if (!matched[d] && detections[d].Box.IntersectionOverUnion(t) >= 0.3f)
                            {
                                matched[d] = true;
                                hits++;
                                break;
                            }
                        }
                    }

                    falses += matched.Count(m => !m);
                    var (f, n) = found.GetValueOrDefault(size);
                    found[size] = (f + hits, n + counted);
                }

                var result = new DetectionResult(
                    config.Name, found.ToDictionary(p => p.Key, p => p.Value.Total == 0 ? double.NaN : p.Value.Found / (double)p.Value.Total), falses / (double)scenes.Count,
                    ticks * 1000.0 / Stopwatch.Frequency / scenes.Count, scenes.Count);
                log?.Invoke($"{result.Name}: {string.Join(", ", result.RecallBySize.OrderBy(p => p.Key).Select(p => $"{p.Key} px {p.Value:P0}"))}, {result.FalsePerFrame:0.00} false/frame, {result.MsPerFrame:0.0} ms/frame");
                results.Add(result);
            }

            return results;
        }
        finally
        {
            foreach (var (frame, _, _) in scenes)
            {
                frame.Dispose();
            }
        }
    }

    /// <summary>
    /// Frames with <paramref name="facesPerFrame"/> faces of one size each, on a grid of cells (one face per cell,
    /// jittered inside it) so faces never overlap; faces from the wild enrolment photos of faces-dev, in turn.
    /// </summary>
    public static List<(Mat Frame, int Size, List<BoundingBox> Truth)> Scenes(
        FaceEngine engine, string facesDev, int width, int height, IReadOnlyList<int> sizes, int framesPerSize, int facesPerFrame)
    {
        var table = CsvTable.Load(Path.Combine(facesDev, "gallery.csv"), "path", "subset");
        var photos = table.Rows.Where(r => table.Get(r, "subset") == "wild").Select(r => Path.Combine(facesDev, table.Get(r, "path"))).ToArray();
        var sprites = photos.Select(p => FaceSprites.Cut(engine, p)).ToArray();
        using var background = FaceSprites.LoadBackground(Path.Combine(facesDev, FaceSprites.Background), width, height);
        var random = new Random(12);
        var scenes = new List<(Mat, int, List<BoundingBox>)>();
        const int Columns = 6, Rows = 4;
        var cellW = width / Columns;
        var cellH = height / Rows;
        var next = 0;
        try
        {
            foreach (var size in sizes)
            {
                for (var f = 0; f < framesPerSize; f++)
                {
                    var frame = background.Clone();
                    var truth = new List<BoundingBox>(facesPerFrame);
                    var cells = Enumerable.Range(0, Columns * Rows).OrderBy(_ => random.Next()).Take(facesPerFrame);
                    foreach (var cell in cells)
                    {
                        var sprite = sprites[next++ % sprites.Length];
                        var (scaled, face) = FaceSprites.Scaled(sprite, size);
                        using (scaled)
                        {
                            var cx = ((cell % Columns) * cellW) + (cellW / 2) + random.Next(-cellW / 4, (cellW / 4) + 1);
                            var cy = ((cell / Columns) * cellH) + (cellH / 2) + random.Next(-cellH / 4, (cellH / 4) + 1);
                            truth.Add(FaceSprites.Paste(frame, scaled, face, cx, cy));
                        }
                    }

                    scenes.Add((frame, size, truth));
                }
            }
        }
        finally
        {
            foreach (var sprite in sprites)
            {
                sprite.Dispose();
            }
        }

        return scenes;
    }
}
