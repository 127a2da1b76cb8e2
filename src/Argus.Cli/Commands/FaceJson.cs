using System.Globalization;
using Argus.Application.Contracts;
using Argus.Core.Faces;

namespace Argus.Cli.Commands;

/// <summary>How faces are written out as text by every command (as JSON: <see cref="FaceDto"/>).</summary>
internal static class FaceJson
{
    public static string Text(Face face, int number, bool primary)
    {
        var q = face.Quality;
        var parts = new List<string>
        {
            $"#{number}{(primary ? "*" : " ")}",
            $"box {face.Box}",
            $"score {face.DetectorScore:0.000}",
            $"size {q.FaceSize:0}px",
            $"eyes {q.InterEyeDistance:0}px",
        };
        if (q.EmbeddingNorm is { } n)
        {
            parts.Add($"norm {n:0.00}");
        }

        if (q.Sharpness is { } s)
        {
            parts.Add($"sharpness {s:0}");
        }

        if (q.Pose is { } p)
        {
            parts.Add($"yaw {p.Yaw:0} pitch {p.Pitch:0} roll {p.Roll:0}");
        }

        if (face.Liveness is { } live)
        {
            parts.Add($"p(live) {live.LiveProbability:0.000} (experimental)");
        }

        parts.Add(FaceDto.StatusName(face.Status));
        return string.Join("  ", parts);
    }

    public static string Number(double value, int digits = 4) => value.ToString("F" + digits, CultureInfo.InvariantCulture);
}
