using Argus.Core;
using Argus.Core.Faces;
using Argus.Vision.Imaging;
using Argus.Vision.Pipeline;

namespace Argus.Bench;

/// <summary>The primary-face template of one image, or why there is none.</summary>
public sealed record ImageOutcome(string Path, Embedding? Embedding, int FaceCount, string? Error)
{
    public bool Failed => Embedding is null;
}

/// <summary>Embeds the primary face of many images in parallel, reporting progress as images complete.</summary>
public static class ImageSet
{
    public static Dictionary<string, ImageOutcome> EmbedAll(
        FaceEngine engine, IEnumerable<string> relativePaths, string root, int workers, IProgress<int>? progress = null)
    {
        var paths = relativePaths.Distinct(StringComparer.Ordinal).ToArray();
        var results = new ImageOutcome[paths.Length];
        var done = 0;
        Parallel.For(0, paths.Length, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, workers) }, i =>
        {
            results[i] = EmbedOne(engine, paths[i], root);
            progress?.Report(Interlocked.Increment(ref done));
        });
        return results.ToDictionary(r => r.Path, StringComparer.Ordinal);
    }

    private static ImageOutcome EmbedOne(FaceEngine engine, string relativePath, string root)
    {
        try
        {
            using var image = ImageDecoder.DecodeFile(Path.Combine(root, relativePath));
            var result = engine.AnalyzePrimary(image);
            return result.Face?.Embedding is { } embedding
                ? new ImageOutcome(relativePath, embedding, result.FaceCount, null)
                : new ImageOutcome(relativePath, null, result.FaceCount, result.Face is null ? "no face detected" : $"face {result.Face.Status}");
        }
        catch (ArgusException e)
        {
            return new ImageOutcome(relativePath, null, 0, e.Message);
        }
    }
}
