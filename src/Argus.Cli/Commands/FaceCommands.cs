using System.CommandLine;
using Argus.Application.Contracts;
using Argus.Core;
using Argus.Core.Faces;
using Argus.Vision.Imaging;
using Argus.Vision.Pipeline;

namespace Argus.Cli.Commands;

/// <summary><c>argus detect</c>, <c>argus embed</c> and <c>argus compare</c>.</summary>
internal static class FaceCommands
{
    public static Command Detect(TextWriter output, TextWriter error)
    {
        var images = new Argument<string[]>("images") { Description = "Image files (JPEG, PNG, WebP, BMP, GIF)", Arity = ArgumentArity.OneOrMore };
        var liveness = new Option<bool>("--liveness") { Description = "Also run the passive liveness model (experimental, not validated)" };
        var pose = new Option<bool>("--pose") { Description = "Also estimate head pose (yaw, pitch, roll)" };
        var landmarks = new Option<bool>("--landmarks68") { Description = "Include all 68 landmarks in JSON output" };
        var command = new Command("detect", "Find faces: boxes, landmarks and quality. The primary face is marked with *.")
        {
            images, liveness, pose, landmarks, ArgusCli.JsonOption,
        };
        command.SetAction((parse, ct) => ArgusCli.Guard(parse, output, error, host =>
        {
            var json = parse.GetValue(ArgusCli.JsonOption);
            var analysis = FaceAnalysis.Embedding
                | (parse.GetValue(liveness) ? FaceAnalysis.Liveness : FaceAnalysis.None)
                | (parse.GetValue(pose) ? FaceAnalysis.Pose : FaceAnalysis.None);
            var engine = host.Engine(parse.GetValue(liveness), parse.GetValue(pose));
            var results = new List<ImageFacesDto>();
            var failures = 0;
            foreach (var path in parse.GetValue(images)!)
            {
                try
                {
                    using var image = ImageDecoder.DecodeFile(path);
                    var faces = engine.Analyze(image, analysis);
                    var primary = PrimaryFace.Select(faces, image.Width, image.Height);
                    if (json)
                    {
                        var dtos = new FaceDto[faces.Count];
                        for (var i = 0; i < faces.Count; i++)
                        {
                            dtos[i] = FaceDto.From(faces[i], i + 1, i == primary, parse.GetValue(landmarks));
                        }

                        results.Add(new ImageFacesDto(path, image.Format?.ToString().ToLowerInvariant(), image.Width, image.Height, dtos));
                    }
                    else
                    {
                        host.Out.WriteLine($"{path} ({image.Format}, {image.Width}x{image.Height}): {faces.Count} face(s)");
                        for (var i = 0; i < faces.Count; i++)
                        {
                            host.Out.WriteLine("  " + FaceJson.Text(faces[i], i + 1, i == primary));
                        }
                    }
                }
                catch (ArgusException e)
                {
                    failures++;
                    host.Error.WriteLine($"argus: {path}: {e.Message}");
                    if (json)
                    {
                        results.Add(new ImageFacesDto(path, null, null, null, null, new ImageErrorDto(e.Code, e.Message)));
                    }
                }
            }

            if (json)
            {
                host.WriteContract(new DetectDto(results));
            }

            return failures == 0 ? ArgusCli.Ok : ArgusCli.BadInput;
        }));
        return command;
    }

    public static Command Embed(TextWriter output, TextWriter error)
    {
        var image = new Argument<string>("image") { Description = "Image file" };
        var face = FaceOption("--face");
        var command = new Command("embed", "Print the 512-d template of the primary face (or --face N).") { image, face, ArgusCli.JsonOption };
        command.SetAction((parse, ct) => ArgusCli.Guard(parse, output, error, host =>
        {
            var path = parse.GetValue(image)!;
            var (result, _) = Primary(host, path, parse.GetValue(face));
            var f = result.Face!;
            var embedding = f.Embedding!;
            if (parse.GetValue(ArgusCli.JsonOption))
            {
                host.WriteContract(new EmbedDto(
                    path, FaceDto.From(f, result.FaceNumber, true, false), embedding.Contract.Id, embedding.Dimension, [.. embedding.Values.ToArray().Select(v => Math.Round(v, 6))]));
            }
            else
            {
                host.Out.WriteLine($"# {path}: face {result.FaceNumber} of {result.FaceCount}, contract {embedding.Contract.Id}, raw norm {embedding.RawNorm:0.00}");
                host.Out.WriteLine(string.Join(' ', embedding.Values.ToArray().Select(v => FaceJson.Number(v, 6))));
            }

            return ArgusCli.Ok;
        }));
        return command;
    }

    public static Command Compare(TextWriter output, TextWriter error)
    {
        var first = new Argument<string>("image-a") { Description = "First image" };
        var second = new Argument<string>("image-b") { Description = "Second image" };
        var faceA = FaceOption("--face-a");
        var faceB = FaceOption("--face-b");
        var threshold = new Option<float>("--threshold")
        {
            Description = $"Similarity at or above which the faces are called the same person (default {MatchThresholds.Verification}, see docs/accuracy.md)",
            DefaultValueFactory = _ => MatchThresholds.Verification,
        };
        var command = new Command("compare", "Compare the primary faces of two images: similarity and a same/different decision.")
        {
            first, second, faceA, faceB, threshold, ArgusCli.JsonOption,
        };
        command.SetAction((parse, ct) => ArgusCli.Guard(parse, output, error, host =>
        {
            var t = parse.GetValue(threshold);
            if (!float.IsFinite(t) || t < -1 || t > 1)
            {
                throw new ArgusException("argument.invalid", "--threshold must be between -1 and 1.");
            }

            var (a, warnA) = Primary(host, parse.GetValue(first)!, parse.GetValue(faceA));
            var (b, warnB) = Primary(host, parse.GetValue(second)!, parse.GetValue(faceB));
            var similarity = a.Face!.Embedding!.Similarity(b.Face!.Embedding!);
            var same = similarity >= t;
            var warnings = new[] { warnA, warnB }.Where(w => w is not null).ToArray();
            if (parse.GetValue(ArgusCli.JsonOption))
            {
                host.WriteContract(new CompareDto(
                    Math.Round(similarity, 4), Math.Round(t, 4), same, FaceDto.From(a.Face, a.FaceNumber, true, false), FaceDto.From(b.Face, b.FaceNumber, true, false), [.. warnings.OfType<string>()]));
            }
            else
            {
                host.Out.WriteLine($"similarity {similarity:0.0000}  threshold {t:0.00}  => {(same ? "SAME person" : "DIFFERENT people")}");
                host.Out.WriteLine($"  a: face {a.FaceNumber} of {a.FaceCount}  {FaceJson.Text(a.Face, a.FaceNumber, true)}");
                host.Out.WriteLine($"  b: face {b.FaceNumber} of {b.FaceCount}  {FaceJson.Text(b.Face, b.FaceNumber, true)}");
                foreach (var w in warnings)
                {
                    host.Out.WriteLine($"  warning: {w}");
                }
            }

            return ArgusCli.Ok;
        }));
        return command;
    }

    private static Option<int?> FaceOption(string name) => new(name)
    {
        Description = "Use face N (1-based, as numbered by `argus detect`) instead of the primary face",
    };

    /// <summary>The chosen face of an image with its template, or a refusal saying why there is none.</summary>
    private static (PrimaryFaceResult Result, string? Warning) Primary(CliHost host, string path, int? faceNumber)
    {
        using var image = ImageDecoder.DecodeFile(path);
        var result = host.Engine().AnalyzePrimary(image, faceNumber);
        if (result.Face is null)
        {
            throw new ArgusException("face.none", $"{path}: no face found.");
        }

        if (result.Face.Status == FaceStatus.TooSmall)
        {
            throw new ArgusException(
                "face.too_small",
                $"{path}: face {result.FaceNumber} is {result.Face.Quality.FaceSize:0} px, below the {host.Engine().Options.MinFaceSize} px needed for a reliable template.");
        }

        var warning = result.Face.Status == FaceStatus.PoorQuality
            ? $"{path}: face {result.FaceNumber} is of poor quality (embedding norm {result.Face.Quality.EmbeddingNorm:0.00}); the score is unreliable"
            : null;
        return (result, warning);
    }
}
