using System.Globalization;
using System.Text.Json.Nodes;
using Argus.Core.Faces;

namespace Argus.Cli.Commands;

/// <summary>How faces are written out, as JSON and as text, by every command.</summary>
internal static class FaceJson
{
    public static JsonObject Box(BoundingBox b) => new()
    {
        ["x"] = Round(b.X),
        ["y"] = Round(b.Y),
        ["width"] = Round(b.Width),
        ["height"] = Round(b.Height),
    };

    public static JsonObject Face(Face face, int number, bool primary, bool includeLandmarks68)
    {
        var five = new JsonArray();
        for (var i = 0; i < Landmarks5.Count; i++)
        {
            five.Add(new JsonArray(Round(face.Landmarks[i].X), Round(face.Landmarks[i].Y)));
        }

        var q = face.Quality;
        var node = new JsonObject
        {
            ["number"] = number,
            ["primary"] = primary,
            ["status"] = StatusName(face.Status),
            ["box"] = Box(face.Box),
            ["detector_score"] = Round(face.DetectorScore, 4),
            ["landmarks5"] = five,
            ["quality"] = new JsonObject
            {
                ["face_size"] = Round(q.FaceSize),
                ["inter_eye_distance"] = Round(q.InterEyeDistance),
                ["detector_score"] = Round(q.DetectorScore, 4),
                ["embedding_norm"] = q.EmbeddingNorm is { } n ? Round(n, 3) : null,
                ["sharpness"] = q.Sharpness is { } s ? Round(s, 1) : null,
                ["pose"] = q.Pose is { } p ? new JsonObject { ["yaw"] = Round(p.Yaw), ["pitch"] = Round(p.Pitch), ["roll"] = Round(p.Roll) } : null,
            },
        };
        if (face.Liveness is { } live)
        {
            node["liveness"] = new JsonObject { ["live_probability"] = Round(live.LiveProbability, 4), ["validated"] = LivenessResult.Validated };
        }

        if (includeLandmarks68)
        {
            var all = new JsonArray();
            foreach (var v in face.Landmarks68)
            {
                all.Add(Round(v));
            }

            node["landmarks68"] = all;
        }

        return node;
    }

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

        parts.Add(StatusName(face.Status));
        return string.Join("  ", parts);
    }

    public static string StatusName(FaceStatus status) => status switch
    {
        FaceStatus.Ok => "ok",
        FaceStatus.TooSmall => "too_small",
        FaceStatus.PoorQuality => "poor_quality",
        FaceStatus.NotEmbedded => "not_embedded",
        _ => status.ToString(),
    };

    public static double Round(float value, int digits = 1) =>
        float.IsFinite(value) ? Math.Round(value, digits) : double.NaN;

    public static string Number(double value, int digits = 4) => value.ToString("F" + digits, CultureInfo.InvariantCulture);
}
