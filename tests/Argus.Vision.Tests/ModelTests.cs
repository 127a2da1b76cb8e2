using System.Globalization;
using System.Xml.Linq;
using Argus.Bench;
using Argus.Core;
using Argus.Core.Faces;
using Argus.Tests;
using Argus.Vision.Imaging;
using Argus.Vision.Models;
using Argus.Vision.Pipeline;
using OpenCvSharp;

namespace Argus.Vision.Tests;

[Trait("Category", "Model")]
[Collection(EngineGroup.Name)]
public sealed class ModelTests(EngineFixture fixture)
{
    private FaceEngine Engine => fixture.Engine;

    [SkippableFact]
    public void The_same_photo_re_encoded_scores_above_0_99()
    {
        var path = TestPaths.FacesDevFile("images/fr_obama/obama.jpg");
        using var original = ImageDecoder.DecodeFile(path);
        using var reencoded = ImageDecoder.Decode(original.Mat.ImEncode(".jpg", new ImageEncodingParam(ImwriteFlags.JpegQuality, 90)));
        var a = Engine.AnalyzePrimary(original).Face!;
        var b = Engine.AnalyzePrimary(reencoded).Face!;
        Assert.Equal(FaceStatus.Ok, a.Status);
        Assert.True(a.Embedding!.Similarity(b.Embedding!) > 0.99f, $"similarity {a.Embedding.Similarity(b.Embedding!)}");
        Assert.Equal(512, a.Embedding.Dimension);
        Assert.Equal(Engine.Contract, a.Embedding.Contract);
    }

    [SkippableFact]
    public void Mirror_fusion_is_the_mean_of_both_views_under_its_own_contract()
    {
        using var image = ImageDecoder.DecodeFile(TestPaths.FacesDevFile("images/fr_obama/obama.jpg"));
        using var plainEngine = new FaceEngineBuilder().UseModelDirectory(TestPaths.Models).WithOptions(new FaceEngineOptions { MirrorFusion = false }).Build();
        Assert.True(Engine.Options.MirrorFusion); // the default, chosen by `argus eval mirror`
        var fused = Engine.AnalyzePrimary(image).Face!;
        var plain = plainEngine.AnalyzePrimary(image).Face!;
        var (plainView, mirrorView) = Engine.EmbedBothViews(image, fused);

        Assert.Equal($"fr_feature:{Engine.PlainContract.ModelSha256[..12]}:pp1001:512", fused.Embedding!.Contract.Id);
        Assert.Equal(plainEngine.Contract, Engine.PlainContract);
        Assert.Throws<InvalidOperationException>(() => fused.Embedding.Similarity(plain.Embedding!)); // never mixed

        // The plain engine's template is the first view; the mirror view is close to it but not the same.
        Assert.True(plain.Embedding!.Similarity(plainView) > 0.9999f);
        var viewAgreement = plainView.Similarity(mirrorView);
        Assert.InRange(viewAgreement, 0.6f, 0.999f);

        // Fused = normalised mean of the two views: its cosine to each view is sqrt((1 + c) / 2).
        var expected = Embedding.Fuse([plainView, mirrorView], [], Engine.Contract);
        Assert.True(fused.Embedding.Similarity(expected) > 0.9999f);
        var halfAngle = MathF.Sqrt((1f + viewAgreement) / 2f);
        Assert.Equal(halfAngle, Embedding.Fuse([plainView], [], Engine.PlainContract).Similarity(Embedding.Fuse([plainView, mirrorView], [], Engine.PlainContract)), 3);
        Assert.Equal((plainView.RawNorm + mirrorView.RawNorm) / 2f, fused.Embedding.RawNorm, 2);
    }

    [SkippableFact]
    public void Dev_pairs_reach_the_target_accuracy_with_no_detection_misses()
    {
        var root = TestPaths.RequireFacesDev();
        var result = PairsEvaluation.Run(Engine, Path.Combine(root, "pairs.csv"), root, Environment.ProcessorCount);
        Assert.Empty(result.FailedImages);
        Assert.True(result.Report.Accuracy >= 0.999, $"accuracy {result.Report.Accuracy}");
        Assert.True(result.Report.Auc >= 0.999, $"AUC {result.Report.Auc}");
        Assert.True(result.Report.Genuine.Mean > 0.7 && result.Report.Impostor.Mean < 0.1);
    }

    [SkippableFact]
    public void Dev_identification_rank1_is_at_least_99_percent()
    {
        var root = TestPaths.RequireFacesDev();
        var result = IdentifyEvaluation.Run(Engine, Path.Combine(root, "gallery.csv"), Path.Combine(root, "probes.csv"), root, Environment.ProcessorCount);
        Assert.True(result.Report.Rank1 >= 0.99, $"rank-1 {result.Report.Rank1}");
        Assert.Empty(result.FailedImages);
    }

    public static TheoryData<string> AnnotatedGroupPhotos() =>
    [
        "2007_007763.jpg", "2008_001009.jpg", "2008_001322.jpg", "2008_002079.jpg", "2008_002470.jpg",
        "2008_002506.jpg", "2008_004176.jpg", "2008_007676.jpg", "2009_004587.jpg",
    ];

    [SkippableTheory]
    [MemberData(nameof(AnnotatedGroupPhotos))]
    public void Finds_every_annotated_face_in_the_group_photos_and_nothing_else(string file)
    {
        var folder = TestPaths.FacesDevFile("hard/group/dlib_faces");
        var truth = GroundTruth(folder, file);
        using var image = ImageDecoder.DecodeFile(Path.Combine(folder, file));
        var found = Engine.Detect(image);

        // Each annotated face is matched by a distinct detection (IoU >= 0.3: our boxes are squares of the
        // detector's box height, the annotations are dlib's tighter squares).
        var unmatched = found.ToList();
        foreach (var box in truth)
        {
            var best = unmatched.OrderByDescending(d => d.Box.IntersectionOverUnion(box)).FirstOrDefault();
            Assert.True(best.Box.IntersectionOverUnion(box) >= 0.3f, $"{file}: annotated face {box} was not found");
            unmatched.Remove(best);
        }

        Assert.Empty(unmatched);
    }

    public static TheoryData<string> NoFaceImages() =>
    [
        "dlib_dog.jpg", "dlib_dogs.jpg", "dlib_eagle.jpg", "dlib_giraffe.jpg", "dlib_horses.jpg", "dlib_mmod_cars_test_image.jpg",
        "dlib_mmod_cars_test_image2.jpg", "faceapi_white.png", "sk_chelsea.png", "sk_coffee.png", "sk_rocket.jpg",
    ];

    [SkippableTheory]
    [MemberData(nameof(NoFaceImages))]
    public void No_usable_face_on_images_without_people(string file)
    {
        using var image = ImageDecoder.DecodeFile(TestPaths.FacesDevFile(Path.Combine("hard/no_face", file)));

        // The detector fires on one dog face (dlib_dogs.jpg); its embedding norm (2.06) marks it poor quality,
        // so no template usable for matching comes out of any of these images.
        Assert.DoesNotContain(Engine.Analyze(image), f => f.IsUsable);
    }

    [SkippableFact]
    public void A_face_too_small_to_embed_is_reported_and_not_embedded()
    {
        using var original = ImageDecoder.DecodeFile(TestPaths.FacesDevFile("hard/resolution/fr_obama-1080p.jpg"));
        var size = Engine.AnalyzePrimary(original).Face!.Quality.FaceSize;

        // Shrink so that the face is about 24 px: still found, but below the 36 px minimum.
        var factor = 24.0 / size;
        using var small = new Mat();
        Cv2.Resize(original.Mat, small, new Size(0, 0), factor, factor, InterpolationFlags.Area);
        using var image = ImageDecoder.Decode(small.ImEncode(".png"));
        var face = Engine.AnalyzePrimary(image).Face;
        Assert.NotNull(face);
        Assert.Equal(FaceStatus.TooSmall, face.Status);
        Assert.Null(face.Embedding);
    }

    [SkippableFact]
    public void Quality_pose_and_liveness_are_reported_for_a_frontal_portrait()
    {
        using var image = ImageDecoder.DecodeFile(TestPaths.FacesDevFile("hard/resolution/fr_obama-720p.jpg"));
        var face = Engine.AnalyzePrimary(image, analysis: FaceAnalysis.Embedding | FaceAnalysis.Pose | FaceAnalysis.Liveness).Face!;
        var q = face.Quality;
        Assert.InRange(q.EmbeddingNorm!.Value, 2.4f, 8f);
        Assert.True(q.Sharpness > 10);
        Assert.True(q.InterEyeDistance > 0.2f * q.FaceSize);
        Assert.InRange(Math.Abs(q.Pose!.Value.Yaw), 0f, 25f);
        Assert.InRange(face.Liveness!.LiveProbability, 0f, 1f);

        // Landmarks: eyes above the nose, nose above the mouth, left eye left of the right eye.
        var l = face.Landmarks;
        Assert.True(l.LeftEye.X < l.RightEye.X && l.LeftEye.Y < l.Nose.Y && l.Nose.Y < l.LeftMouth.Y);
    }

    [SkippableFact]
    public void The_primary_face_of_a_couple_photo_is_stable_and_face_numbers_select_others()
    {
        using var image = ImageDecoder.DecodeFile(TestPaths.FacesDevFile("hard/group/fr_kit_with_rose.jpg"));
        var primary = Engine.AnalyzePrimary(image);
        Assert.Equal(2, primary.FaceCount);
        var other = Engine.AnalyzePrimary(image, primary.FaceNumber == 1 ? 2 : 1);
        Assert.NotEqual(primary.FaceNumber, other.FaceNumber);
        Assert.True(primary.Face!.Embedding!.Similarity(other.Face!.Embedding!) < 0.3f);
        var ex = Assert.Throws<ArgusException>(() => Engine.AnalyzePrimary(image, 3));
        Assert.Equal("face.not_found", ex.Code);
    }

    [SkippableFact]
    public void Concurrent_callers_get_the_same_templates_as_a_single_caller()
    {
        var root = TestPaths.RequireFacesDev();
        var files = new[] { "images/fr_obama/obama.jpg", "images/dlib_John_Salley/1.jpg", "hard/group/faceapi_bbt3.jpg", "images/orl_s01/01.png" }
            .Select(f => Path.Combine(root, f)).Where(File.Exists).ToArray();
        var sequential = files.Select(Analyze).ToArray();
        var parallel = new float[files.Length * 8][];
        Parallel.For(0, parallel.Length, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i => parallel[i] = Analyze(files[i % files.Length]));
        for (var i = 0; i < parallel.Length; i++)
        {
            Assert.Equal(sequential[i % files.Length], parallel[i]);
        }
    }

    [Fact]
    public void Missing_and_tampered_models_name_the_command_that_fixes_them()
    {
        using var dir = TestPaths.TempDirectory();
        var missing = Assert.Throws<ArgusException>(() => new FaceEngineBuilder().UseModelDirectory(dir.Path).Build());
        Assert.Equal("models.missing", missing.Code);
        Assert.Contains("argus models fetch", missing.Message, StringComparison.Ordinal);

        foreach (var file in ModelManifest.Default.Files)
        {
            File.WriteAllText(dir.File(file.Name), "not a model");
        }

        var tampered = Assert.Throws<ArgusException>(() => new FaceEngineBuilder().UseModelDirectory(dir.Path).Build());
        Assert.Equal("models.tampered", tampered.Code);
        Assert.Contains("argus models fetch", tampered.Message, StringComparison.Ordinal);
    }

    private float[] Analyze(string path)
    {
        using var image = ImageDecoder.DecodeFile(path);
        return Engine.AnalyzePrimary(image).Face!.Embedding!.Values.ToArray();
    }

    private static List<BoundingBox> GroundTruth(string folder, string file)
    {
        foreach (var xml in new[] { "training.xml", "testing.xml" })
        {
            var image = XDocument.Load(Path.Combine(folder, xml)).Descendants("image").FirstOrDefault(i => (string?)i.Attribute("file") == file);
            if (image is not null)
            {
                return image.Elements("box")
                    .Where(b => (string?)b.Attribute("ignore") != "1")
                    .Select(b => new BoundingBox(F(b, "left"), F(b, "top"), F(b, "width"), F(b, "height")))
                    .ToList();
            }
        }

        throw new InvalidOperationException($"{file} is not annotated");
    }

    private static float F(XElement e, string name) => float.Parse((string)e.Attribute(name)!, CultureInfo.InvariantCulture);
}
