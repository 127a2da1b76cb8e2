using OpenCvSharp;

namespace Argus.Vision.Onnx;

/// <summary>Copies 8-bit images into planar (NCHW) float tensors with the normalisation each model was trained on.</summary>
internal static unsafe class Tensorize
{
    /// <summary>dst[c][y][x] = (pixel[order[c]] - mean) * scale for a BGR 8-bit image.</summary>
    public static void Planar(Mat bgr, Span<float> dst, bool rgb, float mean, float scale)
    {
        var width = bgr.Width;
        var height = bgr.Height;
        var plane = width * height;
        var first = rgb ? 2 : 0;
        var third = rgb ? 0 : 2;
        var c0 = dst[..plane];
        var c1 = dst.Slice(plane, plane);
        var c2 = dst.Slice(2 * plane, plane);
        var step = (long)bgr.Step();
        var data = (byte*)bgr.DataPointer;
        for (var y = 0; y < height; y++)
        {
            var row = data + (y * step);
            var o = y * width;
            for (var x = 0; x < width; x++)
            {
                var px = row + (3 * x);
                c0[o + x] = (px[first] - mean) * scale;
                c1[o + x] = (px[1] - mean) * scale;
                c2[o + x] = (px[third] - mean) * scale;
            }
        }
    }

    /// <summary>RGB planes with per-channel mean and standard deviation on [0,1] values (ImageNet style).</summary>
    public static void PlanarImageNet(Mat bgr, Span<float> dst)
    {
        var width = bgr.Width;
        var height = bgr.Height;
        var plane = width * height;
        var step = (long)bgr.Step();
        var data = (byte*)bgr.DataPointer;
        for (var y = 0; y < height; y++)
        {
            var row = data + (y * step);
            var o = y * width;
            for (var x = 0; x < width; x++)
            {
                var px = row + (3 * x);
                dst[o + x] = ((px[2] / 255f) - 0.485f) / 0.229f;
                dst[plane + o + x] = ((px[1] / 255f) - 0.456f) / 0.224f;
                dst[(2 * plane) + o + x] = ((px[0] / 255f) - 0.406f) / 0.225f;
            }
        }
    }

    /// <summary>dst[y][x] = pixel * scale for an 8-bit single-channel image.</summary>
    public static void Grey(Mat grey, Span<float> dst, float scale)
    {
        var width = grey.Width;
        var height = grey.Height;
        var step = (long)grey.Step();
        var data = (byte*)grey.DataPointer;
        for (var y = 0; y < height; y++)
        {
            var row = data + (y * step);
            var o = y * width;
            for (var x = 0; x < width; x++)
            {
                dst[o + x] = row[x] * scale;
            }
        }
    }
}
