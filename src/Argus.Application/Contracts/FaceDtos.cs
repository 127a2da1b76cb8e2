using System.Text.Json.Serialization;
using Argus.Core.Faces;

namespace Argus.Application.Contracts;

// Wire types of the face commands (`argus detect`, `embed`, `compare`, `models verify`): no store, no person, only what
// the pipeline saw. Coordinates in pixels of the decoded (EXIF-rotated) image, rounded to 0.1 px.

/// <summary>A face box: top-left corner and size, in pixels.</summary>
public sealed record BoxDto(double X, double Y, double Width, double Height)
{
    public static BoxDto From(BoundingBox b) => new(FaceDto.Round(b.X), FaceDto.Round(b.Y), FaceDto.Round(b.Width), FaceDto.Round(b.Height));
}

/// <summary>Head pose in degrees (positive yaw: the face turned to its left).</summary>
public sealed record PoseDto(double Yaw, double Pitch, double Roll);

/// <summary>The quality measures of one face; the embedding norm, sharpness and pose only where they were computed.</summary>
public sealed record FaceMeasuresDto(double FaceSize, double InterEyeDistance, double DetectorScore, double? EmbeddingNorm, double? Sharpness, PoseDto? Pose);

/// <summary>Passive liveness: <see cref="Validated"/> stays false until it is validated on real presentation attacks (docs/accuracy.md).</summary>
public sealed record FaceLivenessDto(double LiveProbability, bool Validated);

/// <summary>One detected face, numbered as <c>--face N</c> takes it.</summary>
public sealed record FaceDto(int Number, bool Primary, string Status, BoxDto Box, double DetectorScore, IReadOnlyList<IReadOnlyList<double>> Landmarks5, FaceMeasuresDto Quality)
{
    /// <summary>Present when the liveness model ran.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public FaceLivenessDto? Liveness { get; init; }

    /// <summary>The 68 landmarks as x, y pairs, flattened; present when asked for.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<double>? Landmarks68 { get; init; }

    public static FaceDto From(Face face, int number, bool primary, bool landmarks68)
    {
        var five = new IReadOnlyList<double>[Core.Faces.Landmarks5.Count];
        for (var i = 0; i < five.Length; i++)
        {
            five[i] = [Round(face.Landmarks[i].X), Round(face.Landmarks[i].Y)];
        }

        var q = face.Quality;
        return new(
            number, primary, StatusName(face.Status), BoxDto.From(face.Box), Round(face.DetectorScore, 4), five,
            new FaceMeasuresDto(
                Round(q.FaceSize), Round(q.InterEyeDistance), Round(q.DetectorScore, 4), q.EmbeddingNorm is { } n ? Round(n, 3) : null,
                q.Sharpness is { } s ? Round(s, 1) : null, q.Pose is { } p ? new PoseDto(Round(p.Yaw), Round(p.Pitch), Round(p.Roll)) : null))
        {
            Liveness = face.Liveness is { } live ? new FaceLivenessDto(Round(live.LiveProbability, 4), LivenessResult.Validated) : null,
            Landmarks68 = landmarks68 ? [.. face.Landmarks68.Select(v => Round(v))] : null,
        };
    }

    /// <summary>The status's wire name: <c>ok</c>, <c>too_small</c>, <c>poor_quality</c> or <c>not_embedded</c>.</summary>
    public static string StatusName(FaceStatus status) => status switch
    {
        FaceStatus.Ok => "ok",
        FaceStatus.TooSmall => "too_small",
        FaceStatus.PoorQuality => "poor_quality",
        FaceStatus.NotEmbedded => "not_embedded",
        _ => status.ToString(),
    };

    /// <summary>Rounded for output; a non-finite value stays NaN.</summary>
    public static double Round(float value, int digits = 1) => float.IsFinite(value) ? Math.Round(value, digits) : double.NaN;
}

/// <summary>Why an image gave no faces (a decode or size refusal).</summary>
public sealed record ImageErrorDto(string Code, string Message);

/// <summary>One image of <c>argus detect</c>: its format and size and its faces, or the error that stopped it.</summary>
public sealed record ImageFacesDto(string Path, string? Format, int? Width, int? Height, IReadOnlyList<FaceDto>? Faces, ImageErrorDto? Error = null);

/// <summary><c>argus detect --json</c>.</summary>
public sealed record DetectDto(IReadOnlyList<ImageFacesDto> Images);

/// <summary><c>argus embed --json</c>: the face and its template (L2-normalised, rounded to 6 decimals).</summary>
public sealed record EmbedDto(string Path, FaceDto Face, string Contract, int Dimension, IReadOnlyList<double> Embedding);

/// <summary><c>argus compare --json</c>: the similarity of the two faces and the decision at <see cref="Threshold"/>.</summary>
public sealed record CompareDto(double Similarity, double Threshold, bool SamePerson, FaceDto FaceA, FaceDto FaceB, IReadOnlyList<string> Warnings);

/// <summary>One model file checked against the manifest.</summary>
public sealed record ModelCheckDto(string Name, bool Ok, string? Problem);

/// <summary><c>argus models verify --json</c>.</summary>
public sealed record ModelsDto(string Directory, IReadOnlyList<ModelCheckDto> Models);
