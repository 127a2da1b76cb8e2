using Argus.Core.Faces;
using Argus.Vision.Geometry;
using Argus.Vision.Imaging;
using Argus.Vision.Models;
using Argus.Vision.Onnx;
using Argus.Vision.Pipeline;
using OpenCvSharp;

namespace Argus.Bench;

/// <summary>
/// BlazeFace full range (MediaPipe's back-camera model, <c>face_detection_back_256x256_barracuda.onnx</c>) for the
/// small-face comparison only; not part of the pipeline. Input: NHWC [1,256,256,3], RGB scaled to [-1, 1], the
/// image letterboxed (aspect kept, black pad). Outputs: 512 + 384 logits and 512 + 384 x 16 regressors (box centre
/// offset, width, height in input pixels, then 6 keypoints). Anchors as MediaPipe's SSD anchor calculator builds them
/// for this model: strides 16 (16x16 grid, 2 anchors per cell) and 32 (8x8, 6 per cell), centres at cell middles,
/// fixed size 1. Score = sigmoid(logit) ≥ 0.5, then IoU NMS at 0.4; boxes made square like the main detector's.
/// </summary>
internal sealed class BlazeFaceDetector : IDisposable
{
    private const int Size = 256;
    private readonly OnnxModel _model;
    private readonly int[] _order = new int[4];
    private readonly float[] _anchors;
    private readonly ThreadLocal<(Mat Canvas, float[] Input, float[][] Outputs)> _scratch;

    public BlazeFaceDetector(string modelDirectory)
    {
        _model = new OnnxModel(new ModelStore(modelDirectory).Resolve("face_detection_back_256x256_barracuda.onnx"), 1);
        _model.RequireInputShape(1, Size, Size, 3);

        // Outputs by length: scores 512 and 384, regressors 512x16 and 384x16.
        int[] wanted = [512, 384, 512 * 16, 384 * 16];
        for (var w = 0; w < 4; w++)
        {
            _order[w] = Enumerable.Range(0, _model.OutputLengths.Count).Single(i => _model.OutputLengths[i] == wanted[w]);
        }

        var anchors = new List<float>(896 * 2);
        AddAnchors(anchors, 16, 2);
        AddAnchors(anchors, 8, 6);
        _anchors = [.. anchors];
        var lengths = _model.OutputLengths;
        _scratch = new ThreadLocal<(Mat, float[], float[][])>(() => (new Mat(Size, Size, MatType.CV_8UC3), new float[Size * Size * 3], [.. lengths.Select(l => new float[l])]), trackAllValues: true);
    }

    public IReadOnlyList<FaceDetection> Detect(DecodedImage image)
    {
        var (canvas, input, outputs) = _scratch.Value;
        var scale = Math.Min(Size / (float)image.Width, Size / (float)image.Height);
        var w = Math.Max(1, (int)MathF.Round(image.Width * scale));
        var h = Math.Max(1, (int)MathF.Round(image.Height * scale));
        canvas.SetTo(Scalar.Black);
        using (var content = new Mat(canvas, new Rect(0, 0, w, h)))
        {
            Cv2.Resize(image.Mat, content, new Size(w, h), 0, 0, InterpolationFlags.Area);
        }

        var i = 0;
        for (var y = 0; y < Size; y++)
        {
            for (var x = 0; x < Size; x++)
            {
                var p = canvas.At<Vec3b>(y, x);
                input[i++] = (p.Item2 / 127.5f) - 1f;
                input[i++] = (p.Item1 / 127.5f) - 1f;
                input[i++] = (p.Item0 / 127.5f) - 1f;
            }
        }

        _model.Run(input, outputs);
        var candidates = new List<ScoredBox>();
        Decode(outputs[_order[0]], outputs[_order[2]], 0, 512, scale, candidates);
        Decode(outputs[_order[1]], outputs[_order[3]], 512, 384, scale, candidates);
        var kept = NonMaximumSuppression.Apply(candidates, 0.4f);
        var result = new List<FaceDetection>(kept.Count);
        foreach (var k in kept)
        {
            var square = k.Box.ToSquareClamped(image.Width, image.Height);
            if (square.Width >= 1 && square.Height >= 1)
            {
                result.Add(new FaceDetection(square, k.Score));
            }
        }

        return result;
    }

    public void Dispose()
    {
        foreach (var (canvas, _, _) in _scratch.Values)
        {
            canvas.Dispose();
        }

        _scratch.Dispose();
        _model.Dispose();
    }

    private static void AddAnchors(List<float> anchors, int grid, int perCell)
    {
        for (var y = 0; y < grid; y++)
        {
            for (var x = 0; x < grid; x++)
            {
                for (var a = 0; a < perCell; a++)
                {
                    anchors.Add((x + 0.5f) / grid);
                    anchors.Add((y + 0.5f) / grid);
                }
            }
        }
    }

    private void Decode(float[] scores, float[] boxes, int first, int count, float scale, List<ScoredBox> candidates)
    {
        for (var a = 0; a < count; a++)
        {
            var score = 1f / (1f + MathF.Exp(-Math.Clamp(scores[a], -100f, 100f)));
            if (score < 0.5f)
            {
                continue;
            }

            var r = boxes.AsSpan(a * 16, 16);
            var cx = (r[0] / Size) + _anchors[(first + a) * 2];
            var cy = (r[1] / Size) + _anchors[((first + a) * 2) + 1];
            var bw = r[2] / Size;
            var bh = r[3] / Size;

            // Normalised to the 256 canvas; the image sits at its top-left corner, scaled by `scale`.
            var x1 = (cx - (bw / 2)) * Size / scale;
            var y1 = (cy - (bh / 2)) * Size / scale;
            candidates.Add(new ScoredBox(new BoundingBox(x1, y1, bw * Size / scale, bh * Size / scale), score));
        }
    }
}

/// <summary>BlazeFace over overlapping square tiles plus the whole frame, merged by NMS (the comparison's tiling).</summary>
internal sealed class BlazeFaceTiles(BlazeFaceDetector detector, int tile)
{
    public IReadOnlyList<FaceDetection> Detect(DecodedImage frame)
    {
        var candidates = new List<ScoredBox>();
        foreach (var d in detector.Detect(frame))
        {
            candidates.Add(new ScoredBox(d.Box, d.Score));
        }

        if (tile > 0)
        {
            var options = new TilingOptions { Enabled = true, TileWidth = tile, TileHeight = tile, Overlap = 0.25f };
            foreach (var (x, y, w, h) in TiledDetector.Tiles(frame.Width, frame.Height, options))
            {
                using var region = frame.Region(x, y, w, h);
                foreach (var d in detector.Detect(region))
                {
                    var cut = (d.Box.X <= 1 && x > 0) || (d.Box.Y <= 1 && y > 0) || (d.Box.Right >= w - 1 && x + w < frame.Width) || (d.Box.Bottom >= h - 1 && y + h < frame.Height);
                    if (!cut)
                    {
                        candidates.Add(new ScoredBox(d.Box with { X = d.Box.X + x, Y = d.Box.Y + y }, d.Score));
                    }
                }
            }
        }

        var kept = NonMaximumSuppression.Apply(candidates, 0.4f);
        return [.. kept.Select(k => new FaceDetection(k.Box, k.Score))];
    }
}
