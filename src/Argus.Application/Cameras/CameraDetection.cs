using Argus.Core;
using Argus.Storage;
using Argus.Vision.Pipeline;

namespace Argus.Application.Cameras;

/// <summary>
/// A camera's stored detection settings: validated once here (for the CLI, the API and any other front end) and turned
/// into the tiling its pipeline runs.
/// </summary>
public static class CameraDetection
{
    /// <summary>
    /// The smallest face a camera may be tiled for: the engine's quality gate (<see cref="FaceEngineOptions.MinFaceSize"/>,
    /// 36 px, measured in docs/accuracy.md). Smaller faces would be found and then refused as too small to embed, at
    /// the cost of more tiles.
    /// </summary>
    public static int MinSmallestFace { get; } = new FaceEngineOptions().MinFaceSize;

    /// <summary>Largest smallest-face setting: 400 px tiles would be 6400 px wide, beyond any camera.</summary>
    public const int MaxSmallestFace = 400;

    /// <summary>The setting, or <c>camera.smallest_face_below_gate</c> / <c>camera.smallest_face_invalid</c>.</summary>
    public static int ValidSmallestFace(int pixels) => pixels switch
    {
        _ when pixels < MinSmallestFace => throw new ArgusException(
            "camera.smallest_face_below_gate",
            $"Smallest face {pixels} px is below the quality gate ({MinSmallestFace} px): faces that small are found but never embedded. Use {MinSmallestFace}-{MaxSmallestFace} px."),
        > MaxSmallestFace => throw new ArgusException("camera.smallest_face_invalid", $"Smallest face {pixels} px: use {MinSmallestFace}-{MaxSmallestFace} px."),
        _ => pixels,
    };

    /// <summary>
    /// The regions as stored (<see cref="DetectionRegion.Format"/>), or null for the whole frame; each must lie inside
    /// the frame and have an area (<c>camera.region_invalid</c>), at most <see cref="TilingOptions.MaxRegions"/>.
    /// </summary>
    public static string? ValidRegions(IReadOnlyList<DetectionRegion>? regions)
    {
        if (regions is null || regions.Count == 0)
        {
            return null;
        }

        if (regions.Count > TilingOptions.MaxRegions)
        {
            throw new ArgusException("camera.region_invalid", $"{regions.Count} detection regions: use at most {TilingOptions.MaxRegions}.");
        }

        foreach (var region in regions)
        {
            region.Validate();
        }

        return DetectionRegion.Format(regions);
    }

    /// <summary>How the camera's frames are detected: whole frame only, or tiles sized for its smallest face laid over its regions.</summary>
    public static TilingOptions Tiling(CameraRecord camera) => !camera.Tiling
        ? TilingOptions.WholeFrame
        : TilingOptions.ForSmallestFace(camera.SmallestFace) with { Regions = DetectionRegion.ParseList(camera.Regions) };

    /// <summary>One line for listings: "whole frame", or the smallest face and regions.</summary>
    public static string Describe(CameraRecord camera) => !camera.Tiling
        ? "whole frame"
        : FormattableString.Invariant($"faces from {camera.SmallestFace} px{(camera.Regions is null ? "" : $" in {camera.Regions}")}");
}
