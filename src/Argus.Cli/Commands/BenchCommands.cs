using System.CommandLine;
using System.Text.Json.Nodes;
using Argus.Bench;
using Argus.Core;
using Argus.Vision.Pipeline;

namespace Argus.Cli.Commands;

/// <summary><c>argus bench pipeline</c>: throughput and per-stage cost of the face pipeline.</summary>
internal static class BenchCommands
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var bench = new Command("bench", "Measure speed (results belong in docs/benchmarks.md with the command that produced them).");
        var images = new Option<string>("--images") { Description = "Folder of images (searched recursively)", Required = true };
        var seconds = new Option<double>("--seconds") { Description = "Seconds per measured run (4 runs)", DefaultValueFactory = _ => 10 };
        var workers = new Option<int>("--workers") { Description = "Workers for the parallel runs (default: one per core)", DefaultValueFactory = _ => Environment.ProcessorCount };
        var pipeline = new Command("pipeline", "Faces per second end to end (decoded and encoded input, 1 and N workers), per-stage ms and decode cost.")
        {
            images, seconds, workers, ArgusCli.JsonOption,
        };
        pipeline.SetAction((parse, ct) => ArgusCli.Guard(parse, output, error, host =>
        {
            var runSeconds = parse.GetValue(seconds);
            var workerCount = parse.GetValue(workers);
            if (!(runSeconds is > 0 and <= 3600) || workerCount is < 1 or > 256)
            {
                throw new ArgusException("argument.invalid", "--seconds must be in (0, 3600] and --workers in [1, 256].");
            }

            var json = parse.GetValue(ArgusCli.JsonOption);
            var engine = host.Engine();
            var r = PipelineBenchmark.Run(engine, parse.GetValue(images)!, runSeconds, workerCount, json ? null : host.Out.WriteLine);
            if (json)
            {
                host.WriteJson(new JsonObject
                {
                    ["images"] = r.Images,
                    ["faces_per_pass"] = r.FacesPerPass,
                    ["workers"] = r.Workers,
                    ["intra_op_threads"] = engine.Options.IntraOpThreads,
                    ["faces_per_second_1_worker"] = Math.Round(r.FacesPerSecond1Worker, 1),
                    ["faces_per_second_all_workers"] = Math.Round(r.FacesPerSecondAllWorkers, 1),
                    ["encoded_faces_per_second_1_worker"] = Math.Round(r.EncodedFacesPerSecond1Worker, 1),
                    ["encoded_faces_per_second_all_workers"] = Math.Round(r.EncodedFacesPerSecondAllWorkers, 1),
                    ["decode_ms_per_megapixel"] = Math.Round(r.DecodeMsPerMegapixel, 2),
                    ["decode_ms_per_image"] = Math.Round(r.DecodeMsPerImage, 2),
                    ["mean_megapixels"] = Math.Round(r.MeanMegapixels, 3),
                    ["stage_ms"] = new JsonObject
                    {
                        ["detect_per_image"] = Math.Round(r.Stages.DetectPerImage, 3),
                        ["landmarks_per_face"] = Math.Round(r.Stages.LandmarksPerFace, 3),
                        ["align_per_face"] = Math.Round(r.Stages.AlignPerFace, 3),
                        ["embed_per_face"] = Math.Round(r.Stages.EmbedPerFace, 3),
                    },
                });
            }
            else
            {
                host.Out.WriteLine($"decode: {r.DecodeMsPerMegapixel:0.00} ms/MP ({r.DecodeMsPerImage:0.00} ms per image, mean {r.MeanMegapixels:0.00} MP)");
                host.Out.WriteLine(
                    $"stages (1 worker): detect {r.Stages.DetectPerImage:0.00} ms/image, landmarks {r.Stages.LandmarksPerFace:0.00}, align {r.Stages.AlignPerFace:0.00}, embed {r.Stages.EmbedPerFace:0.00} ms/face");
            }

            return ArgusCli.Ok;
        }));
        bench.Subcommands.Add(pipeline);
        return bench;
    }
}
