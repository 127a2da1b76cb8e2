using OpenCvSharp;

namespace Argus.Vision.Pipeline;

/// <summary>
/// Per-thread working memory of the pipeline: image buffers and tensors sized once for each model, so that
/// analysing a face allocates nothing on the hot path but ORT's value handles.
/// </summary>
internal sealed class Scratch : IDisposable
{
    public Mat DetectorCanvas { get; } = new(FaceEngine.DetectorHeight, FaceEngine.DetectorWidth, MatType.CV_8UC3);

    public Mat LandmarkCrop { get; } = new(64, 64, MatType.CV_8UC3);

    public Mat LandmarkGrey { get; } = new(64, 64, MatType.CV_8UC1);

    public Mat Aligned { get; } = new(112, 112, MatType.CV_8UC3);

    public Mat AlignedMirror { get; } = new(112, 112, MatType.CV_8UC3);

    public Mat AlignedGrey { get; } = new(112, 112, MatType.CV_8UC1);

    public Mat Laplacian { get; } = new(112, 112, MatType.CV_16SC1);

    public Mat AffineMatrix { get; } = new(2, 3, MatType.CV_64FC1);

    public Mat LivenessCrop { get; } = new(128, 128, MatType.CV_8UC3);

    public Mat PoseCrop { get; } = new(224, 224, MatType.CV_8UC3);

    public float[] DetectorInput { get; } = new float[3 * FaceEngine.DetectorHeight * FaceEngine.DetectorWidth];

    public float[] DetectorScores { get; } = new float[FaceEngine.DetectorAnchors * 2];

    public float[] DetectorBoxes { get; } = new float[FaceEngine.DetectorAnchors * 4];

    public float[] LandmarkInput { get; } = new float[64 * 64];

    public float[] LandmarkOutput { get; } = new float[136];

    public float[] EmbedderInput { get; } = new float[3 * 112 * 112];

    public float[] EmbedderOutput { get; } = new float[512];

    public float[] ViewSum { get; } = new float[512];

    public float[] LivenessInput { get; } = new float[3 * 128 * 128];

    public float[] LivenessOutput { get; } = new float[3];

    public float[] PoseInput { get; } = new float[3 * 224 * 224];

    public float[] Yaw { get; } = new float[66];

    public float[] Pitch { get; } = new float[66];

    public float[] Roll { get; } = new float[66];

    public void Dispose()
    {
        DetectorCanvas.Dispose();
        LandmarkCrop.Dispose();
        LandmarkGrey.Dispose();
        Aligned.Dispose();
        AlignedMirror.Dispose();
        AlignedGrey.Dispose();
        Laplacian.Dispose();
        AffineMatrix.Dispose();
        LivenessCrop.Dispose();
        PoseCrop.Dispose();
    }
}
