using System.Globalization;
using System.Text.Json.Nodes;
using Argus.Core;
using Argus.Core.Evaluation;
using Argus.Core.Faces;

namespace Argus.Application.ServiceGalleries;

/// <summary>
/// A decision threshold for a target false-match rate, as calibrated by <c>argus calibrate --save</c>.
/// <see cref="Supported"/> is false when the calibration data held fewer than 3/target impostor pairs: the
/// threshold is then the best the data could give, and the rate itself is not measured.
/// </summary>
public sealed record OperatingPoint(double TargetFmr, float Threshold, double MeasuredFmr, double Fnmr, bool Supported, long ImpostorPairs, string CalibratedAt);

/// <summary>
/// The operating points saved by <c>argus calibrate --save</c> in <c>DATA/calibration.json</c>. Verification reads
/// them instead of hand-picked scores; a calibration of another embedding contract is refused.
/// </summary>
public sealed class OperatingPointTable
{
    public const string FileName = "calibration.json";

    private readonly IReadOnlyList<OperatingPoint> _points;

    public OperatingPointTable(IReadOnlyList<OperatingPoint> points) => _points = points;

    public IReadOnlyList<OperatingPoint> Points => _points;

    public static string PathIn(string dataDirectory) => Path.Combine(dataDirectory, FileName);

    /// <summary>Loads the table, or <c>verification.not_calibrated</c> / <c>verification.calibration_mismatch</c>.</summary>
    public static OperatingPointTable Load(string path, EmbeddingContract contract)
    {
        if (!File.Exists(path))
        {
            throw new ArgusException(
                "verification.not_calibrated",
                $"No calibration at {path}: run 'argus calibrate --images IMAGES.csv --root DIR --save' on labelled faces first; verification uses its thresholds.");
        }

        JsonNode? json;
        try
        {
            json = JsonNode.Parse(File.ReadAllText(path));
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new ArgusException("verification.calibration_invalid", $"{path} is not valid JSON ({e.Message}); run argus calibrate --save again.", e);
        }

        try
        {
            var contractId = json?["contract"]?.GetValue<string>();
            if (contractId != contract.Id)
            {
                throw new ArgusException(
                    "verification.calibration_mismatch",
                    $"{path} was calibrated for {contractId}, this engine makes {contract.Id}: calibrate again with the current models.");
            }

            var impostors = json!["impostor_pairs"]?.GetValue<long>() ?? 0;
            var at = json["calibrated_at"]?.GetValue<string>() ?? "";
            var points = new List<OperatingPoint>();
            foreach (var p in json["operating_points"]?.AsArray() ?? [])
            {
                points.Add(new OperatingPoint(
                    Number(p, "target_fmr"), (float)Number(p, "threshold"), Number(p, "measured_fmr"), Number(p, "fnmr"),
                    p?["supported"]?.GetValue<bool>() ?? throw Invalid(path, "supported"), impostors, at));
            }

            return new OperatingPointTable(points);
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException)
        {
            throw new ArgusException("verification.calibration_invalid", $"{path} holds a value of the wrong type ({e.Message}); run argus calibrate --save again.", e);
        }
    }

    private static double Number(JsonNode? point, string name) => point?[name]?.GetValue<double>() ?? throw Invalid(null, name);

    private static ArgusException Invalid(string? path, string name) =>
        new("verification.calibration_invalid", $"{path ?? "The calibration"} has an operating point without '{name}'; run argus calibrate --save again.");

    /// <summary>
    /// The JSON that <c>argus calibrate --save</c> writes and <see cref="Load"/> reads: the contract, when, how many
    /// images, identities and pairs, and one object per target rate.
    /// </summary>
    public static JsonObject ToJson(CalibrationReport report, EmbeddingContract contract, DateTimeOffset at, int images, int identities, int failedImages) => new()
    {
        ["contract"] = contract.Id,
        ["calibrated_at"] = at.ToString("O", CultureInfo.InvariantCulture),
        ["images"] = images,
        ["identities"] = identities,
        ["failed_images"] = failedImages,
        ["genuine_pairs"] = report.GenuinePairs,
        ["impostor_pairs"] = report.ImpostorPairs,
        ["operating_points"] = new JsonArray([.. report.Points.Select(p => (JsonNode)new JsonObject
        {
            ["target_fmr"] = p.TargetFmr,
            ["threshold"] = Math.Round(p.Threshold, 4),
            ["measured_fmr"] = p.MeasuredFmr,
            ["fnmr"] = Math.Round(p.Fnmr, 6),
            ["supported"] = p.Supported,
        })]),
    };

    /// <summary>The point calibrated for <paramref name="targetFmr"/>, or <c>verification.operating_point_unknown</c>.</summary>
    public OperatingPoint Select(double targetFmr)
    {
        foreach (var p in _points)
        {
            if (Math.Abs(p.TargetFmr - targetFmr) <= targetFmr * 1e-6)
            {
                return p;
            }
        }

        throw new ArgusException(
            "verification.operating_point_unknown",
            $"No operating point calibrated for FMR {targetFmr.ToString("0e0", CultureInfo.InvariantCulture)}; calibrated: " +
            string.Join(", ", _points.Select(p => p.TargetFmr.ToString("0e0", CultureInfo.InvariantCulture))) + ".");
    }
}
