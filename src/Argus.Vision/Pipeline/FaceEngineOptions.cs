namespace Argus.Vision.Pipeline;

/// <summary>Tunable settings of the face pipeline. Defaults are the ones measured in docs/accuracy.md.</summary>
public sealed record FaceEngineOptions
{
    /// <summary>Detector face probability to keep a box (models.md: 0.65).</summary>
    public float DetectionThreshold { get; init; } = 0.65f;

    /// <summary>IoU above which the lower-scoring of two boxes is dropped.</summary>
    public float NmsIouThreshold { get; init; } = 0.4f;

    /// <summary>Letterbox margin per side, as a fraction of the detector canvas.</summary>
    public float LetterboxMargin { get; init; } = Geometry.Letterbox.DefaultMargin;

    /// <summary>
    /// Faces whose square box is smaller than this many pixels are reported <c>TooSmall</c> and not embedded. Set
    /// from the embedder's measured curve (`argus eval face-sizes`, docs/accuracy.md): with probes shrunk to 36 px the
    /// true-accept rate at the full-size FAR 1e-3 threshold loses 1.4 points (dev set) and 0.7 (wild subset), with
    /// no false accept; at 32 px it loses 3.5 and 2.3, and at 24 px 9.5 (wild). 36 is the smallest measured size
    /// that stays within 1.5 points, and it leaves room for a 40 px face whose detector box comes out a little small.
    /// </summary>
    public int MinFaceSize { get; init; } = 36;

    /// <summary>
    /// Embedded faces whose raw embedding norm is below this are reported <c>PoorQuality</c>. Measured on faces-dev:
    /// the primary faces of all 1,645 pair images have norms of 2.77 or more, 37-53 px faces in group photos 2.58 or
    /// more; a blurred background face about 1.5 and the dog face in hard/no_face/dlib_dogs.jpg 2.06.
    /// </summary>
    public float MinEmbeddingNorm { get; init; } = 2.4f;

    /// <summary>
    /// Test-time augmentation: embed the aligned crop and its mirror image and fuse them (mean of the normalised
    /// vectors, renormalised). On by default: on faces-dev it raised every held-out figure a little and lowered none
    /// (`argus eval mirror`, `argus eval face-sizes --mirror`, docs/accuracy.md), for one more embedding per face
    /// (about 7.5 ms on one core). Templates carry their own contract
    /// (<see cref="FaceEngine.MirrorFusionPreprocessingVersion"/>): galleries enrolled with the other setting refuse
    /// them (<c>template.contract_mismatch</c>), so switching it means re-enrolling.
    /// </summary>
    public bool MirrorFusion { get; init; } = true;

    /// <summary>Intra-op threads per ONNX session. 1 with one worker per core measured fastest.</summary>
    public int IntraOpThreads { get; init; } = 1;
}

/// <summary>What to compute for each detected face, beyond the box and landmarks.</summary>
[Flags]
public enum FaceAnalysis
{
    None = 0,
    Embedding = 1,
    Liveness = 2,
    Pose = 4,
    Default = Embedding,
}
