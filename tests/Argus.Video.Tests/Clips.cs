using Argus.Bench;
using Argus.Core.Faces;
using Argus.Tests;
using Argus.Vision.Imaging;
using Argus.Vision.Pipeline;

namespace Argus.Video.Tests;

/// <summary>Clips from faces-dev photos (paths relative to faces-dev).</summary>
internal static class Clips
{
    public static string Build(string path, int width, int height, double fps, double seconds, params Appearance[] appearances) =>
        ClipBuilder.Build(path, width, height, fps, seconds, [.. appearances.Select(a => a with { Photo = TestPaths.FacesDevFile(a.Photo) })]);
}

/// <summary>An exhaustive in-memory matcher over enrolled photos, for tests.</summary>
internal sealed class PhotoMatcher : IFaceMatcher
{
    private readonly List<(long Subject, string Label, Embedding Template)> _enrolled = [];

    public PhotoMatcher(FaceEngine engine, float threshold, params (long Subject, string Label, string Photo)[] people)
    {
        Threshold = threshold;
        foreach (var (subject, label, photo) in people)
        {
            using var image = ImageDecoder.DecodeFile(TestPaths.FacesDevFile(photo));
            _enrolled.Add((subject, label, engine.AnalyzePrimary(image).Face!.Embedding!));
        }
    }

    public float Threshold { get; }

    public FaceMatch? BestMatch(Embedding probe)
    {
        FaceMatch? best = null;
        foreach (var (subject, label, template) in _enrolled)
        {
            var score = probe.Similarity(template);
            if (score >= Threshold && score > (best?.Score ?? float.NegativeInfinity))
            {
                best = new FaceMatch(subject, subject * 10, label, score);
            }
        }

        return best;
    }
}

public sealed class EngineFixture : IDisposable
{
    private readonly Lazy<FaceEngine> _engine = new(() => new FaceEngineBuilder().UseModelDirectory(TestPaths.Models).EnablePose().Build());

    public FaceEngine Engine => _engine.Value;

    public void Dispose()
    {
        if (_engine.IsValueCreated)
        {
            _engine.Value.Dispose();
        }
    }
}
