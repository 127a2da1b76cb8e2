using System.Numerics;

namespace Argus.Core.Faces;

/// <summary>The five points used for alignment, in image pixels, in the ArcFace order.</summary>
public readonly record struct Landmarks5(Vector2 LeftEye, Vector2 RightEye, Vector2 Nose, Vector2 LeftMouth, Vector2 RightMouth)
{
    public const int Count = 5;

    public Vector2 this[int index] => index switch
    {
        0 => LeftEye,
        1 => RightEye,
        2 => Nose,
        3 => LeftMouth,
        4 => RightMouth,
        _ => throw new ArgumentOutOfRangeException(nameof(index)),
    };

    /// <summary>Distance between the eye centres, a pose-robust measure of face scale.</summary>
    public float InterEyeDistance => Vector2.Distance(LeftEye, RightEye);
}
