namespace Argus.Core.Faces;

/// <summary>Why a detected face has no template.</summary>
public enum FaceStatus
{
    /// <summary>Embedded; the template is usable for matching.</summary>
    Ok,

    /// <summary>Smaller than the configured minimum: templates below it are unreliable.</summary>
    TooSmall,

    /// <summary>Embedded, but a quality signal (embedding norm, detector score) is below its gate.</summary>
    PoorQuality,

    /// <summary>Not embedded because the caller did not ask for templates.</summary>
    NotEmbedded,
}

/// <summary>Head pose in degrees (yaw: left/right, pitch: up/down, roll: in-plane).</summary>
public readonly record struct HeadPose(float Yaw, float Pitch, float Roll);

/// <summary>Per-face quality signals; each one is what it says, no blended score hides them.</summary>
/// <param name="FaceSize">Side of the square face box in pixels.</param>
/// <param name="InterEyeDistance">Distance between eye centres in pixels.</param>
/// <param name="DetectorScore">Face probability from the detector.</param>
/// <param name="EmbeddingNorm">Raw embedding norm before normalising, when embedded.</param>
/// <param name="Sharpness">Variance of the Laplacian of the aligned crop (higher is sharper).</param>
/// <param name="Pose">Head pose, when the pose model ran.</param>
public sealed record FaceQuality(
    float FaceSize,
    float InterEyeDistance,
    float DetectorScore,
    float? EmbeddingNorm,
    float? Sharpness,
    HeadPose? Pose);

/// <summary>
/// Passive liveness (experimental, not validated: it must never decide alone). The model has three classes; on
/// faces-dev's genuine photos and simulated prints and screens (docs/accuracy.md, <c>argus eval liveness</c>) only
/// class 2 tells them apart (it rises on attacks; classes 0 and 1 share the rest alike on both), so
/// <see cref="LiveProbability"/> is the mass not on class 2. The same class also rises on blurred genuine photos: it
/// reads lost detail as much as presentation.
/// </summary>
/// <param name="LiveProbability">1 − softmax[2] of the model, in [0, 1].</param>
public sealed record LivenessResult(float LiveProbability)
{
    public const bool Validated = false;

    /// <summary>The class the evidence reads as a presentation attack.</summary>
    public const int AttackClass = 2;

    /// <summary>The model's softmax over its three classes, as measured (for evaluation).</summary>
    public IReadOnlyList<float> Classes { get; init; } = [];
}

/// <summary>One face found in an image.</summary>
public sealed record Face(
    BoundingBox Box,
    float DetectorScore,
    Landmarks5 Landmarks,
    float[] Landmarks68,
    FaceQuality Quality,
    FaceStatus Status,
    Embedding? Embedding,
    LivenessResult? Liveness) : IHasBox
{
    public bool IsUsable => Status == FaceStatus.Ok && Embedding is not null;
}
