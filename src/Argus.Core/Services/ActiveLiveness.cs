using Argus.Core.Faces;

namespace Argus.Core.Services;

/// <summary>What one frame of a burst shows of the face: its 68 landmarks (image coordinates) and, when estimated, its pose.</summary>
public readonly record struct FrameObservation(float[] Landmarks68, HeadPose? Pose);

/// <summary>
/// Active liveness over a burst or short clip: a blink (the eyes close and open again) or a head turn. A photo or a
/// screen held in front of the camera shows neither. Not validated against real attacks (see docs/accuracy.md); it
/// is reported, and a caller may require it, but it is not a certified presentation-attack detector.
/// </summary>
/// <param name="Frames">Frames with a face.</param>
/// <param name="OpenEar">Eye aspect ratio of the open eyes (the 80th percentile over the burst).</param>
/// <param name="MinEar">Lowest eye aspect ratio seen.</param>
/// <param name="Blink">The EAR fell below <see cref="ActiveLiveness.BlinkRatio"/> of the open value and came back.</param>
/// <param name="YawRange">Largest minus smallest yaw in degrees (0 without pose).</param>
/// <param name="HeadTurn">Yaw range of at least <see cref="ActiveLiveness.TurnDegrees"/>.</param>
public sealed record ActiveLivenessResult(int Frames, float OpenEar, float MinEar, bool Blink, float YawRange, bool HeadTurn)
{
    public bool Passed => Blink || HeadTurn;

    public const bool Validated = false;
}

public static class ActiveLiveness
{
    /// <summary>Fewest frames to judge: a blink lasts 100-400 ms, so a burst must span at least that.</summary>
    public const int MinFrames = 3;

    /// <summary>A blink: EAR below this share of the open-eye EAR (Soukupová and Čech 2016 use an absolute 0.2 on ~0.3 open eyes).</summary>
    public const float BlinkRatio = 0.7f;

    /// <summary>Reopened: EAR back above this share of the open-eye EAR after the closure.</summary>
    public const float ReopenRatio = 0.9f;

    /// <summary>A deliberate head turn: at least this many degrees of yaw across the burst.</summary>
    public const float TurnDegrees = 15f;

    /// <summary>
    /// Eye aspect ratio of one eye from the 68-point layout (iBUG: right eye 36-41, left eye 42-47):
    /// EAR = (|p1-p5| + |p2-p4|) / (2 |p0-p3|), with p0..p5 the eye's six points.
    /// </summary>
    public static float EyeAspectRatio(ReadOnlySpan<float> landmarks68, int first)
    {
        var width = Distance(landmarks68, first, first + 3);
        return width <= 0 ? 0 : (Distance(landmarks68, first + 1, first + 5) + Distance(landmarks68, first + 2, first + 4)) / (2 * width);
    }

    private static float MedianOfThree(float a, float b, float c) => MathF.Max(MathF.Min(a, b), MathF.Min(MathF.Max(a, b), c));

    private static float Distance(ReadOnlySpan<float> points, int a, int b)
    {
        var dx = points[2 * a] - points[2 * b];
        var dy = points[(2 * a) + 1] - points[(2 * b) + 1];
        return MathF.Sqrt((dx * dx) + (dy * dy));
    }

    /// <summary>Mean EAR of both eyes.</summary>
    public static float EyeAspectRatio(ReadOnlySpan<float> landmarks68) =>
        landmarks68.Length < 136 ? throw new ArgumentException("68 points expected", nameof(landmarks68))
            : (EyeAspectRatio(landmarks68, 36) + EyeAspectRatio(landmarks68, 42)) / 2;

    public static ActiveLivenessResult Evaluate(IReadOnlyList<FrameObservation> frames)
    {
        if (frames.Count == 0)
        {
            return new ActiveLivenessResult(0, 0, 0, false, 0, false);
        }

        var ears = new float[frames.Count];
        var yaws = new List<float>(frames.Count);
        for (var i = 0; i < frames.Count; i++)
        {
            ears[i] = EyeAspectRatio(frames[i].Landmarks68);
            if (frames[i].Pose is { } pose)
            {
                yaws.Add(pose.Yaw);
            }
        }

        // Yaw through a median of three consecutive frames: a real turn lasts several frames, while the pose model's
        // single-frame jumps on flat pictures (measured on simulated prints and screens, docs/accuracy.md) do not.
        float minYaw = float.MaxValue, maxYaw = float.MinValue;
        for (var i = 0; i < yaws.Count; i++)
        {
            var smoothed = yaws.Count < 3 ? yaws[i] : MedianOfThree(yaws[Math.Clamp(i - 1, 0, yaws.Count - 3)], yaws[Math.Clamp(i - 1, 0, yaws.Count - 3) + 1], yaws[Math.Clamp(i - 1, 0, yaws.Count - 3) + 2]);
            minYaw = MathF.Min(minYaw, smoothed);
            maxYaw = MathF.Max(maxYaw, smoothed);
        }

        var sorted = (float[])ears.Clone();
        Array.Sort(sorted);
        var open = sorted[(int)MathF.Floor(0.8f * (sorted.Length - 1))];
        var min = sorted[0];
        var blink = false;
        if (frames.Count >= MinFrames && open > 0)
        {
            // Closed then reopened, in that order: eyes that were open, closed below the blink ratio, then opened again.
            var seenOpen = false;
            var closed = false;
            foreach (var ear in ears)
            {
                if (!closed && ear >= ReopenRatio * open)
                {
                    seenOpen = true;
                }
                else if (seenOpen && !closed && ear < BlinkRatio * open)
                {
                    closed = true;
                }
                else if (closed && ear >= ReopenRatio * open)
                {
                    blink = true;
                    break;
                }
            }
        }

        var yawRange = maxYaw >= minYaw ? maxYaw - minYaw : 0;
        return new ActiveLivenessResult(frames.Count, open, min, blink, yawRange, frames.Count >= MinFrames && yawRange >= TurnDegrees);
    }
}
