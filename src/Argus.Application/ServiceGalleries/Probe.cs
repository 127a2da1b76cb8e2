using System.Security.Cryptography;
using Argus.Core;
using Argus.Core.Faces;
using Argus.Core.Services;
using Argus.Vision.Imaging;
using Argus.Vision.Pipeline;

namespace Argus.Application.ServiceGalleries;

/// <summary>Liveness as measured on a probe: passive (single frame model) and active (burst), never validated.</summary>
/// <param name="PassiveLiveProbability">p(live) of the passive model on the probe frame, when the model is installed.</param>
/// <param name="Active">Blink / head turn over the burst; null for a single frame.</param>
/// <param name="Verdict"><c>live</c>, <c>spoof</c> or <c>unknown</c> (single frame without the passive model).</param>
public sealed record LivenessReport(float? PassiveLiveProbability, ActiveLivenessResult? Active, string Verdict)
{
    /// <summary>Always false until liveness is validated on real presentation attacks (docs/accuracy.md).</summary>
    public const bool Validated = false;

    /// <summary>
    /// Passive threshold on 1 − softmax[2]: the equal-error point on half of faces-dev's wild photos and their
    /// simulated attacks (the other half is reported, docs/accuracy.md). Not validated on physical attacks.
    /// </summary>
    public const float PassiveThreshold = 0.998f;
}

/// <summary>What one probe (an image or a burst of frames) gave: the face to compare and the liveness evidence.</summary>
public sealed record ProbeAnalysis(Face Face, int FrameIndex, int Frames, int FramesWithFace, LivenessReport Liveness, string? ProbeSha256);

/// <summary>
/// Turns a probe into one face, refusing what cannot be judged: no face (<c>face.none</c>), two faces of similar size
/// (<c>face.several</c>: whose claim would it be?), a face too small or too poor to compare (<c>face.low_quality</c>).
/// In a burst, frames without a usable face are skipped; the frame with the strongest embedding is the probe.
/// </summary>
public static class Probe
{
    /// <summary>A second face at least this share of the primary face's side makes the probe ambiguous.</summary>
    public const float SeveralFacesRatio = 0.6f;

    public static ProbeAnalysis Analyse(FaceEngine engine, IReadOnlyList<byte[]> images)
    {
        if (images.Count == 0)
        {
            throw new ArgusException("probe.empty", "No probe image was given.");
        }

        var decoded = new List<DecodedImage>(images.Count);
        try
        {
            foreach (var bytes in images)
            {
                decoded.Add(ImageDecoder.Decode(bytes));
            }

            var result = Analyse(engine, decoded);
            return result with { ProbeSha256 = Convert.ToHexStringLower(SHA256.HashData(images[result.FrameIndex])) };
        }
        finally
        {
            foreach (var d in decoded)
            {
                d.Dispose();
            }
        }
    }

    public static ProbeAnalysis Analyse(FaceEngine engine, IReadOnlyList<DecodedImage> frames)
    {
        if (frames.Count == 0)
        {
            throw new ArgusException("probe.empty", "No probe image was given.");
        }

        var burst = frames.Count >= ActiveLiveness.MinFrames;
        var analysis = FaceAnalysis.Embedding | (burst && engine.HasPose ? FaceAnalysis.Pose : FaceAnalysis.None);
        var observations = new List<FrameObservation>(frames.Count);
        Face? best = null;
        var bestIndex = -1;
        ArgusException? firstRefusal = null;
        for (var i = 0; i < frames.Count; i++)
        {
            var faces = engine.Analyze(frames[i], analysis);
            if (faces.Count == 0)
            {
                firstRefusal ??= new ArgusException("face.none", frames.Count == 1 ? "No face was found in the probe image." : "No face was found in any frame of the probe.");
                continue;
            }

            var primary = faces[PrimaryFace.Select(faces, frames[i].Width, frames[i].Height)];
            if (SeveralFaces(faces, primary))
            {
                firstRefusal ??= new ArgusException("face.several", $"The probe shows {faces.Count} faces of similar size; verification needs one person in front of the camera.");
                continue;
            }

            observations.Add(new FrameObservation(primary.Landmarks68, primary.Quality.Pose));
            if (!primary.IsUsable)
            {
                firstRefusal ??= new ArgusException(
                    "face.low_quality",
                    primary.Status == FaceStatus.TooSmall
                        ? $"The face is {primary.Quality.FaceSize:0} px, under the {engine.Options.MinFaceSize} px needed to compare it; come closer to the camera."
                        : "The face is too blurred or poorly lit to compare (weak template); try again facing the camera.");
                continue;
            }

            if (best is null || primary.Embedding!.RawNorm > best.Embedding!.RawNorm)
            {
                best = primary;
                bestIndex = i;
            }
        }

        if (best is null)
        {
            throw firstRefusal!;
        }

        float? passive = null;
        if (engine.HasLiveness)
        {
            var again = engine.AnalyzeFace(frames[bestIndex], new FaceDetection(best.Box, best.DetectorScore), FaceAnalysis.Liveness);
            passive = again.Liveness?.LiveProbability;
        }

        var active = burst ? ActiveLiveness.Evaluate(observations) : null;
        var verdict = active is not null
            ? (active.Passed && (passive is null || passive >= LivenessReport.PassiveThreshold) ? "live" : "spoof")
            : passive is { } p ? (p >= LivenessReport.PassiveThreshold ? "live" : "spoof") : "unknown";
        return new ProbeAnalysis(best, bestIndex, frames.Count, observations.Count, new LivenessReport(passive, active, verdict), null);
    }

    private static bool SeveralFaces(IReadOnlyList<Face> faces, Face primary)
    {
        var side = MathF.Max(primary.Box.Width, primary.Box.Height);
        foreach (var f in faces)
        {
            if (!ReferenceEquals(f, primary) && MathF.Max(f.Box.Width, f.Box.Height) >= SeveralFacesRatio * side)
            {
                return true;
            }
        }

        return false;
    }
}
