using System.Numerics;
using Argus.Core.Faces;
using Argus.Vision.Geometry;
using Argus.Vision.Imaging;
using Argus.Vision.Models;
using Argus.Vision.Onnx;
using OpenCvSharp;

namespace Argus.Vision.Pipeline;

/// <summary>
/// The face pipeline: detect (RFB-320 with letterbox), 68 landmarks, 5-point similarity alignment, ArcFace-style
/// embedding, quality signals, and optionally passive liveness and head pose. Built once by
/// <see cref="FaceEngineBuilder"/>; every method is safe to call from many threads at once.
/// </summary>
public sealed class FaceEngine : IDisposable
{
    internal const int DetectorWidth = 320;
    internal const int DetectorHeight = 240;
    internal const int DetectorAnchors = 4420;

    /// <summary>
    /// Version of the pre-processing that feeds the embedder (detector letterbox, landmark crop, alignment,
    /// normalisation). Bump it whenever any of them changes: templates of different versions must not be mixed.
    /// </summary>
    public const int PreprocessingVersion = 1;

    /// <summary>
    /// The pre-processing version of templates made with <see cref="FaceEngineOptions.MirrorFusion"/>: the aligned
    /// crop and its mirror image embedded and fused. Such a template is not comparable with a plain one (its scores
    /// sit on another scale), so it carries its own contract (<c>pp1001</c>) and a gallery of plain templates refuses
    /// it, and the other way round: switching the option means re-enrolling.
    /// </summary>
    public const int MirrorFusionPreprocessingVersion = PreprocessingVersion + 1000;

    private readonly OnnxModel _detector;
    private readonly OnnxModel _landmarks;
    private readonly OnnxModel _embedder;
    private readonly OnnxModel? _liveness;
    private readonly OnnxModel? _pose;
    private readonly ThreadLocal<Scratch> _scratch = new(() => new Scratch(), trackAllValues: true);

    internal FaceEngine(ModelStore store, FaceEngineOptions options, bool liveness, bool pose)
    {
        Options = options;
        var threads = options.IntraOpThreads;
        var created = new List<OnnxModel>();
        try
        {
            _detector = Track(new OnnxModel(store.Resolve("fr_detect.onnx"), threads), created);
            _detector.RequireInputShape(1, 3, DetectorHeight, DetectorWidth);
            _landmarks = Track(new OnnxModel(store.Resolve("fr_landmark.onnx"), threads), created);
            _landmarks.RequireInputShape(1, 1, 64, 64);
            _embedder = Track(new OnnxModel(store.Resolve("fr_feature.onnx"), threads), created);
            _embedder.RequireInputShape(1, 3, 112, 112);
            if (liveness)
            {
                _liveness = Track(new OnnxModel(store.Resolve("fr_liveness.onnx"), threads), created);
                _liveness.RequireInputShape(1, 3, 128, 128);
            }

            if (pose)
            {
                _pose = Track(new OnnxModel(store.Resolve("fr_pose.onnx"), threads), created);
                _pose.RequireInputShape(1, 3, 224, 224);
            }
        }
        catch
        {
            foreach (var model in created)
            {
                model.Dispose();
            }

            throw;
        }

        var feature = store.Manifest.File("fr_feature.onnx");
        PlainContract = new EmbeddingContract("fr_feature", feature.Sha256, PreprocessingVersion, _embedder.OutputLengths[0]);
        if (feature.EmbeddingContract is not { } declared || declared.Id != PlainContract.Id)
        {
            throw new InvalidOperationException(
                $"The manifest declares embedding contract {feature.EmbeddingContract?.Id}, the engine produces {PlainContract.Id}: update both together.");
        }

        Contract = options.MirrorFusion ? PlainContract with { PreprocessingVersion = MirrorFusionPreprocessingVersion } : PlainContract;
    }

    public FaceEngineOptions Options { get; }

    /// <summary>The contract every template from this engine carries.</summary>
    public EmbeddingContract Contract { get; }

    /// <summary>The contract of one embedding of the aligned crop (the manifest's); equals <see cref="Contract"/> without mirror fusion.</summary>
    public EmbeddingContract PlainContract { get; }

    public bool HasLiveness => _liveness is not null;

    public bool HasPose => _pose is not null;

    /// <summary>Finds faces; boxes are square (side = detector box height), clamped to the image, best first.</summary>
    public IReadOnlyList<FaceDetection> Detect(DecodedImage image) => DetectWithMargin(image, Options.LetterboxMargin);

    /// <summary>
    /// Detection with an explicit letterbox margin: tiles use none, since a face cut by a tile's edge is dropped and
    /// found whole in the overlapping tile, so the margin would only shrink every face in the tile.
    /// </summary>
    internal IReadOnlyList<FaceDetection> DetectWithMargin(DecodedImage image, float letterboxMargin)
    {
        var s = _scratch.Value!;
        var letterbox = Letterbox.Fit(image.Width, image.Height, DetectorWidth, DetectorHeight, letterboxMargin);
        s.DetectorCanvas.SetTo(new Scalar(127, 127, 127));
        using (var content = new Mat(s.DetectorCanvas, new Rect((int)letterbox.OffsetX, (int)letterbox.OffsetY, letterbox.ContentWidth, letterbox.ContentHeight)))
        {
            // Area averaging when shrinking avoids the aliasing that bilinear gives on large photos.
            var interpolation = letterbox.Scale < 1f ? InterpolationFlags.Area : InterpolationFlags.Linear;
            Cv2.Resize(image.Mat, content, new Size(letterbox.ContentWidth, letterbox.ContentHeight), 0, 0, interpolation);
        }

        Tensorize.Planar(s.DetectorCanvas, s.DetectorInput, rgb: true, mean: 127f, scale: 1f / 128f);
        _detector.Run(s.DetectorInput, s.DetectorScores, s.DetectorBoxes);

        var candidates = new List<ScoredBox>();
        var threshold = Options.DetectionThreshold;
        for (var i = 0; i < DetectorAnchors; i++)
        {
            var score = s.DetectorScores[(2 * i) + 1];
            if (score < threshold)
            {
                continue;
            }

            var b = s.DetectorBoxes.AsSpan(4 * i, 4);
            candidates.Add(new ScoredBox(BoundingBox.FromCorners(b[0] * DetectorWidth, b[1] * DetectorHeight, b[2] * DetectorWidth, b[3] * DetectorHeight), score));
        }

        var kept = NonMaximumSuppression.Apply(candidates, Options.NmsIouThreshold);
        var detections = new List<FaceDetection>(kept.Count);
        foreach (var k in kept)
        {
            var box = BoundingBox.FromCorners(
                letterbox.ToImageX(k.Box.X), letterbox.ToImageY(k.Box.Y), letterbox.ToImageX(k.Box.Right), letterbox.ToImageY(k.Box.Bottom));
            var square = box.ToSquareClamped(image.Width, image.Height);
            if (square.Width >= 1 && square.Height >= 1)
            {
                detections.Add(new FaceDetection(square, k.Score));
            }
        }

        return detections;
    }

    /// <summary>Detects every face and analyses each one.</summary>
    public IReadOnlyList<Face> Analyze(DecodedImage image, FaceAnalysis analysis = FaceAnalysis.Default)
    {
        var detections = Detect(image);
        var faces = new Face[detections.Count];
        for (var i = 0; i < faces.Length; i++)
        {
            faces[i] = AnalyzeFace(image, detections[i], analysis);
        }

        return faces;
    }

    /// <summary>
    /// Detects faces and analyses one: face number <paramref name="faceNumber"/> (1-based, in <see cref="Detect"/>
    /// order) when given, else the primary face by <see cref="PrimaryFace"/>'s documented rule.
    /// </summary>
    public PrimaryFaceResult AnalyzePrimary(DecodedImage image, int? faceNumber = null, FaceAnalysis analysis = FaceAnalysis.Default)
    {
        var detections = Detect(image);
        if (detections.Count == 0)
        {
            return new PrimaryFaceResult(null, 0, 0);
        }

        int index;
        if (faceNumber is { } n)
        {
            if (n < 1 || n > detections.Count)
            {
                throw new Core.ArgusException("face.not_found", $"Face {n} requested, but the image has {detections.Count} face(s).");
            }

            index = n - 1;
        }
        else
        {
            index = PrimaryFace.Select(detections, image.Width, image.Height);
        }

        return new PrimaryFaceResult(AnalyzeFace(image, detections[index], analysis), index + 1, detections.Count);
    }

    /// <summary>Landmarks, alignment, quality and (per <paramref name="analysis"/>) embedding, liveness and pose for one face.</summary>
    public Face AnalyzeFace(DecodedImage image, FaceDetection detection, FaceAnalysis analysis = FaceAnalysis.Default) =>
        AnalyzeFace(image, detection, analysis, null);

    internal Face AnalyzeFace(DecodedImage image, FaceDetection detection, FaceAnalysis analysis, StageTimer? timer)
    {
        var s = _scratch.Value!;
        timer?.Start();
        var box = detection.Box;
        var rect = ToRect(box, image.Width, image.Height);

        // Landmarks: the square box resized to 64x64 grey, /256; outputs are (x,y) in [0,1] of the crop.
        using (var crop = new Mat(image.Mat, rect))
        {
            Cv2.Resize(crop, s.LandmarkCrop, new Size(64, 64), 0, 0, InterpolationFlags.Linear);
        }

        Cv2.CvtColor(s.LandmarkCrop, s.LandmarkGrey, ColorConversionCodes.BGR2GRAY);
        Tensorize.Grey(s.LandmarkGrey, s.LandmarkInput, 1f / 256f);
        _landmarks.Run(s.LandmarkInput, s.LandmarkOutput);
        var landmarks68 = new float[136];
        for (var i = 0; i < 68; i++)
        {
            landmarks68[2 * i] = rect.X + (s.LandmarkOutput[2 * i] * rect.Width);
            landmarks68[(2 * i) + 1] = rect.Y + (s.LandmarkOutput[(2 * i) + 1] * rect.Height);
        }

        var five = FivePoints(landmarks68);
        timer?.Lap(Stage.Landmarks);
        var size = MathF.Max(box.Width, box.Height);
        if (size < Options.MinFaceSize)
        {
            var small = new FaceQuality(size, five.InterEyeDistance, detection.Score, null, null, null);
            return new Face(box, detection.Score, five, landmarks68, small, FaceStatus.TooSmall, null, null);
        }

        Align(image, five, s);
        var sharpness = Sharpness(s);
        timer?.Lap(Stage.Align);
        var pose = (analysis & FaceAnalysis.Pose) != 0 && _pose is not null ? EstimatePose(image, box, s) : (HeadPose?)null;
        timer?.Lap(Stage.Pose);
        var liveness = (analysis & FaceAnalysis.Liveness) != 0 && _liveness is not null ? EstimateLiveness(image, box, s) : null;
        timer?.Lap(Stage.Liveness);

        Embedding? embedding = null;
        var status = FaceStatus.NotEmbedded;
        if ((analysis & FaceAnalysis.Embedding) != 0)
        {
            embedding = Options.MirrorFusion ? EmbedMirrorFused(s) : EmbedAligned(s.Aligned, s, PlainContract);

            status = embedding.RawNorm < Options.MinEmbeddingNorm ? FaceStatus.PoorQuality : FaceStatus.Ok;
            timer?.Lap(Stage.Embed);
        }

        var quality = new FaceQuality(size, five.InterEyeDistance, detection.Score, embedding?.RawNorm, sharpness, pose);
        return new Face(box, detection.Score, five, landmarks68, quality, status, embedding, liveness);
    }

    /// <summary>
    /// The face's template from its aligned crop alone and from the crop's mirror image (for evaluating test-time
    /// augmentation): both carry the plain contract, so they compare with each other and with plain templates.
    /// <see cref="Embedding.Fuse"/> of the two is what <see cref="FaceEngineOptions.MirrorFusion"/> produces.
    /// </summary>
    public (Embedding Plain, Embedding Mirror) EmbedBothViews(DecodedImage image, Face face)
    {
        ArgumentNullException.ThrowIfNull(face);
        var s = _scratch.Value!;
        Align(image, face.Landmarks, s);
        var plain = EmbedAligned(s.Aligned, s, PlainContract);
        Cv2.Flip(s.Aligned, s.AlignedMirror, FlipMode.Y);
        return (plain, EmbedAligned(s.AlignedMirror, s, PlainContract));
    }

    /// <summary>The aligned 112x112 BGR crop of a face, as the embedder sees it (for display and enrolment crops).</summary>
    public byte[] AlignedCropPng(DecodedImage image, Face face)
    {
        var s = _scratch.Value!;
        Align(image, face.Landmarks, s);
        return s.Aligned.ImEncode(".png");
    }

    public void Dispose()
    {
        _detector.Dispose();
        _landmarks.Dispose();
        _embedder.Dispose();
        _liveness?.Dispose();
        _pose?.Dispose();
        foreach (var scratch in _scratch.Values)
        {
            scratch.Dispose();
        }

        _scratch.Dispose();
    }

    /// <summary>
    /// 68 → 5 points (0-based iBUG indices): eyes are the means of their four lid points (37,38,40,41 and
    /// 43,44,46,47), the nose tip is 30, mouth corners are the means of the outer and inner corner (48,60 and 54,64).
    /// </summary>
    internal static Landmarks5 FivePoints(ReadOnlySpan<float> l) => new(
        (P(l, 37) + P(l, 38) + P(l, 40) + P(l, 41)) / 4f,
        (P(l, 43) + P(l, 44) + P(l, 46) + P(l, 47)) / 4f,
        P(l, 30),
        (P(l, 48) + P(l, 60)) / 2f,
        (P(l, 54) + P(l, 64)) / 2f);

    private static Vector2 P(ReadOnlySpan<float> l, int i) => new(l[2 * i], l[(2 * i) + 1]);

    internal static Rect ToRect(BoundingBox box, int width, int height)
    {
        var x1 = Math.Clamp((int)MathF.Floor(box.X), 0, width - 1);
        var y1 = Math.Clamp((int)MathF.Floor(box.Y), 0, height - 1);
        var x2 = Math.Clamp((int)MathF.Ceiling(box.Right), x1 + 1, width);
        var y2 = Math.Clamp((int)MathF.Ceiling(box.Bottom), y1 + 1, height);
        return new Rect(x1, y1, x2 - x1, y2 - y1);
    }

    private static void Align(DecodedImage image, Landmarks5 five, Scratch s)
    {
        Span<Vector2> source = [five.LeftEye, five.RightEye, five.Nose, five.LeftMouth, five.RightMouth];
        var t = SimilarityTransform.Estimate(source, SimilarityTransform.ArcFace112);
        var m = s.AffineMatrix;
        m.Set(0, 0, (double)t.A);
        m.Set(0, 1, (double)-t.B);
        m.Set(0, 2, (double)t.Tx);
        m.Set(1, 0, (double)t.B);
        m.Set(1, 1, (double)t.A);
        m.Set(1, 2, (double)t.Ty);
        Cv2.WarpAffine(image.Mat, s.Aligned, m, new Size(112, 112), InterpolationFlags.Linear, BorderTypes.Constant, Scalar.Black);
    }

    /// <summary>One embedding of an aligned crop: BGR order (measured better than RGB for this model, models.md), (v-127)/128.</summary>
    private Embedding EmbedAligned(Mat aligned, Scratch s, EmbeddingContract contract)
    {
        Tensorize.Planar(aligned, s.EmbedderInput, rgb: false, mean: 127f, scale: 1f / 128f);
        _embedder.Run(s.EmbedderInput, s.EmbedderOutput);
        return Embedding.FromRaw(s.EmbedderOutput, contract);
    }

    /// <summary>
    /// The aligned crop and its mirror image embedded, each normalised, summed and renormalised (what
    /// <see cref="Embedding.Fuse"/> does, without its allocations); the raw norm is the mean of the two.
    /// </summary>
    private Embedding EmbedMirrorFused(Scratch s)
    {
        Tensorize.Planar(s.Aligned, s.EmbedderInput, rgb: false, mean: 127f, scale: 1f / 128f);
        _embedder.Run(s.EmbedderInput, s.EmbedderOutput);
        var plainNorm = System.Numerics.Tensors.TensorPrimitives.Norm(s.EmbedderOutput);
        System.Numerics.Tensors.TensorPrimitives.Divide(s.EmbedderOutput, plainNorm, s.ViewSum);
        Cv2.Flip(s.Aligned, s.AlignedMirror, FlipMode.Y);
        Tensorize.Planar(s.AlignedMirror, s.EmbedderInput, rgb: false, mean: 127f, scale: 1f / 128f);
        _embedder.Run(s.EmbedderInput, s.EmbedderOutput);
        var mirrorNorm = System.Numerics.Tensors.TensorPrimitives.Norm(s.EmbedderOutput);
        System.Numerics.Tensors.TensorPrimitives.Divide(s.EmbedderOutput, mirrorNorm, s.EmbedderOutput);
        System.Numerics.Tensors.TensorPrimitives.Add(s.ViewSum, s.EmbedderOutput, s.ViewSum);
        return Embedding.FromViewSum(s.ViewSum, (plainNorm + mirrorNorm) / 2f, Contract);
    }

    /// <summary>Variance of the Laplacian of the aligned grey crop: low on blurred or out-of-focus faces.</summary>
    private static float Sharpness(Scratch s)
    {
        Cv2.CvtColor(s.Aligned, s.AlignedGrey, ColorConversionCodes.BGR2GRAY);
        Cv2.Laplacian(s.AlignedGrey, s.Laplacian, MatType.CV_16S);
        Cv2.MeanStdDev(s.Laplacian, out _, out var std);
        return (float)(std.Val0 * std.Val0);
    }

    /// <summary>
    /// Passive liveness: the box scaled 2.7x about its centre (shifted to stay inside), 128x128 raw RGB (as the
    /// package's own code feeds it; BGR separates the attacks less, docs/accuracy.md); p(live) = 1 − softmax[2].
    /// </summary>
    private LivenessResult EstimateLiveness(DecodedImage image, BoundingBox box, Scratch s)
    {
        var scale = MathF.Min(2.7f, MathF.Min((image.Height - 1) / box.Height, (image.Width - 1) / box.Width));
        var w = box.Width * scale;
        var h = box.Height * scale;
        var x1 = Math.Clamp(box.CenterX - (w / 2f), 0f, image.Width - w);
        var y1 = Math.Clamp(box.CenterY - (h / 2f), 0f, image.Height - h);
        var rect = ToRect(new BoundingBox(x1, y1, w, h), image.Width, image.Height);
        using (var crop = new Mat(image.Mat, rect))
        {
            Cv2.Resize(crop, s.LivenessCrop, new Size(128, 128), 0, 0, InterpolationFlags.Linear);
        }

        Tensorize.Planar(s.LivenessCrop, s.LivenessInput, rgb: true, mean: 0f, scale: 1f);
        _liveness!.Run(s.LivenessInput, s.LivenessOutput);
        var p = Softmax(s.LivenessOutput);
        return new LivenessResult(1f - p[LivenessResult.AttackClass]) { Classes = [.. p] };
    }

    /// <summary>Hopenet-style pose: box grown by a quarter per side, 224x224 RGB, ImageNet normalisation; angle = 3·E[bin] − 99.</summary>
    private HeadPose EstimatePose(DecodedImage image, BoundingBox box, Scratch s)
    {
        var grown = new BoundingBox(box.X - (box.Width / 4f), box.Y - (box.Height / 4f), box.Width * 1.5f, box.Height * 1.5f);
        var rect = ToRect(grown, image.Width, image.Height);
        using (var crop = new Mat(image.Mat, rect))
        {
            Cv2.Resize(crop, s.PoseCrop, new Size(224, 224), 0, 0, InterpolationFlags.Linear);
        }

        Tensorize.PlanarImageNet(s.PoseCrop, s.PoseInput);
        _pose!.Run(s.PoseInput, s.Yaw, s.Pitch, s.Roll);
        return new HeadPose(BinAngle(s.Yaw), BinAngle(s.Pitch), BinAngle(s.Roll));
    }

    private static float BinAngle(float[] logits)
    {
        var p = Softmax(logits);
        var expectation = 0f;
        for (var i = 0; i < p.Length; i++)
        {
            expectation += p[i] * i;
        }

        return (expectation * 3f) - 99f;
    }

    /// <summary>In-place softmax (numerically stable); returns the same array.</summary>
    private static float[] Softmax(float[] values)
    {
        System.Numerics.Tensors.TensorPrimitives.SoftMax(values, values);
        return values;
    }

    private static OnnxModel Track(OnnxModel model, List<OnnxModel> created)
    {
        created.Add(model);
        return model;
    }
}
