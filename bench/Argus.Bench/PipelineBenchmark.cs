using System.Diagnostics;
using Argus.Core;
using Argus.Core.Faces;
using Argus.Vision.Imaging;
using Argus.Vision.Pipeline;

namespace Argus.Bench;

public sealed record StageMilliseconds(double DetectPerImage, double LandmarksPerFace, double AlignPerFace, double EmbedPerFace);

public sealed record PipelineBenchmarkResult(
    int Images,
    int FacesPerPass,
    int Workers,
    double FacesPerSecond1Worker,
    double FacesPerSecondAllWorkers,
    double EncodedFacesPerSecond1Worker,
    double EncodedFacesPerSecondAllWorkers,
    double DecodeMsPerMegapixel,
    double DecodeMsPerImage,
    double MeanMegapixels,
    StageMilliseconds Stages);

/// <summary>
/// End-to-end throughput of the face pipeline (detect, landmarks, align, embed every face) on a folder of
/// images: on images decoded up front, and on encoded files decoded inside the loop; with one worker and with one
/// worker per core. Each worker runs the shared engine (1 intra-op thread per session) on its own thread.
/// </summary>
public static class PipelineBenchmark
{
    public static PipelineBenchmarkResult Run(FaceEngine engine, string directory, double secondsPerRun, int? workers = null, Action<string>? log = null)
    {
        log ??= _ => { };
        var files = LoadFiles(directory);
        var decoded = new List<DecodedImage>();
        var encoded = new List<byte[]>();
        double decodeMs = 0, megapixels = 0;
        foreach (var bytes in files)
        {
            var start = Stopwatch.GetTimestamp();
            try
            {
                var image = ImageDecoder.Decode(bytes);
                decodeMs += Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                megapixels += image.Width * (double)image.Height / 1e6;
                decoded.Add(image);
                encoded.Add(bytes);
            }
            catch (ArgusException)
            {
                // Not an image: the benchmark measures the pipeline on what decodes.
            }
        }

        if (decoded.Count == 0)
        {
            throw new ArgusException("bench.no_images", $"No decodable images in {directory}.");
        }

        try
        {
            var workerCount = workers ?? Environment.ProcessorCount;

            // Warm-up: first runs of each ORT session allocate arenas and pick kernels.
            var facesPerPass = 0;
            foreach (var image in decoded)
            {
                facesPerPass += engine.Analyze(image).Count(f => f.Embedding is not null);
            }

            log($"{decoded.Count} images, {facesPerPass} embedded faces per pass; {secondsPerRun:0.#} s per run");
            var timer = new StageTimer();
            var one = Throughput(engine, decoded, encoded, 1, secondsPerRun, fromEncoded: false, timer);
            log($"decoded, 1 worker: {one:0.0} faces/s");
            var all = Throughput(engine, decoded, encoded, workerCount, secondsPerRun, fromEncoded: false, null);
            log($"decoded, {workerCount} workers: {all:0.0} faces/s");
            var oneEncoded = Throughput(engine, decoded, encoded, 1, secondsPerRun, fromEncoded: true, null);
            log($"encoded, 1 worker: {oneEncoded:0.0} faces/s");
            var allEncoded = Throughput(engine, decoded, encoded, workerCount, secondsPerRun, fromEncoded: true, null);
            log($"encoded, {workerCount} workers: {allEncoded:0.0} faces/s");

            var stages = new StageMilliseconds(
                timer.MeanMilliseconds(Stage.Detect), timer.MeanMilliseconds(Stage.Landmarks), timer.MeanMilliseconds(Stage.Align), timer.MeanMilliseconds(Stage.Embed));
            return new PipelineBenchmarkResult(
                decoded.Count, facesPerPass, workerCount, one, all, oneEncoded, allEncoded,
                decodeMs / megapixels, decodeMs / decoded.Count, megapixels / decoded.Count, stages);
        }
        finally
        {
            foreach (var image in decoded)
            {
                image.Dispose();
            }
        }
    }

    private static double Throughput(
        FaceEngine engine, List<DecodedImage> decoded, List<byte[]> encoded, int workers, double seconds, bool fromEncoded, StageTimer? timer)
    {
        var faces = 0L;
        var deadline = Stopwatch.GetTimestamp() + (long)(seconds * Stopwatch.Frequency);
        var start = Stopwatch.GetTimestamp();
        var threads = new Thread[workers];
        for (var w = 0; w < workers; w++)
        {
            var offset = w * decoded.Count / workers;
            threads[w] = new Thread(() =>
            {
                var local = 0L;
                var i = offset;
                do
                {
                    var index = i++ % decoded.Count;
                    if (fromEncoded)
                    {
                        using var image = ImageDecoder.Decode(encoded[index]);
                        local += AnalyzeAll(engine, image, timer);
                    }
                    else
                    {
                        local += AnalyzeAll(engine, decoded[index], timer);
                    }
                }
                while (Stopwatch.GetTimestamp() < deadline);
                Interlocked.Add(ref faces, local);
            })
            { IsBackground = true, Name = $"bench-worker-{w}" };
            threads[w].Start();
        }

        foreach (var thread in threads)
        {
            thread.Join();
        }

        return faces / Stopwatch.GetElapsedTime(start).TotalSeconds;
    }

    private static int AnalyzeAll(FaceEngine engine, DecodedImage image, StageTimer? timer)
    {
        timer?.Start();
        var detections = engine.Detect(image);
        timer?.Lap(Stage.Detect);
        var embedded = 0;
        foreach (var detection in detections)
        {
            if (engine.AnalyzeFace(image, detection, FaceAnalysis.Embedding, timer).Status is FaceStatus.Ok or FaceStatus.PoorQuality)
            {
                embedded++;
            }
        }

        return embedded;
    }

    private static List<byte[]> LoadFiles(string directory)
    {
        if (!Directory.Exists(directory))
        {
            throw new ArgusException("bench.no_images", $"No such directory: {directory}");
        }

        return Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories)
            .Order(StringComparer.Ordinal)
            .Select(File.ReadAllBytes)
            .Where(b => ImageHeader.TryRead(b, out _, out _, out _))
            .ToList();
    }
}
