using System.CommandLine;
using System.Text.Json.Nodes;
using Argus.Bench;
using Argus.Core;

namespace Argus.Cli.Commands;

/// <summary>
/// <c>argus bench pipeline</c>: throughput and per-stage cost of the face pipeline. <c>argus bench search</c>: exact,
/// IVF and USearch search on synthetic face-like templates.
/// </summary>
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
        bench.Subcommands.Add(CameraBenchCommand.Create(output, error));
        bench.Subcommands.Add(DetectionBenchCommand.Create(output, error));
        bench.Subcommands.Add(Search(output, error));
        bench.Subcommands.Add(AlertBenchCommand.Create(output, error));
        bench.Subcommands.Add(ReportBenchCommand.Create(output, error));
        return bench;
    }

    private static Command Search(TextWriter output, TextWriter error)
    {
        var size = new Option<int>("--size") { Description = "Gallery templates", Required = true };
        var dim = new Option<int>("--dim") { Description = "Template dimension", DefaultValueFactory = _ => 512 };
        var queries = new Option<int>("--queries") { Description = "Queries (80% new samples of enrolled identities, 20% strangers)", DefaultValueFactory = _ => 2000 };
        var threads = new Option<int>("--threads") { Description = "Threads for the all-threads runs (default: one per core)", DefaultValueFactory = _ => Environment.ProcessorCount };
        var lists = new Option<int?>("--lists") { Description = "IVF lists (default: size / 100)" };
        var probes = new Option<string>("--probes") { Description = "IVF probe counts to sweep, comma-separated", DefaultValueFactory = _ => "2,4,8,16,32,64" };
        var efs = new Option<string>("--peer-ef") { Description = "USearch search expansions to sweep, comma-separated", DefaultValueFactory = _ => "32,64,128,256" };
        var connectivity = new Option<int>("--peer-m") { Description = "USearch connectivity (M)", DefaultValueFactory = _ => 32 };
        var spill = new Option<float?>("--spill") { Description = "IVF spill margin: rows this close to a second list are stored in both" };
        var iterations = new Option<int?>("--train-iterations") { Description = "IVF k-means iterations" };
        var noAnn = new Option<bool>("--no-ann") { Description = "Skip the IVF index (its build scores every template against every list)" };
        var noPeer = new Option<bool>("--no-peer") { Description = "Skip the USearch peer (its build takes minutes at 1M)" };
        var command = new Command("search", "Exact int8 scan, IVF index and USearch peer on synthetic face-like templates: speed, memory, restart, recall.")
        {
            size, dim, queries, threads, lists, probes, efs, connectivity, noPeer, noAnn, spill, iterations, ArgusCli.JsonOption,
        };
        command.SetAction((parse, ct) => ArgusCli.Guard(parse, output, error, host =>
        {
            var o = new SearchBenchmarkOptions
            {
                Size = parse.GetValue(size),
                Dimension = parse.GetValue(dim),
                Queries = parse.GetValue(queries),
                Threads = parse.GetValue(threads),
                Lists = parse.GetValue(lists),
                Spill = parse.GetValue(spill),
                TrainIterations = parse.GetValue(iterations),
                Probes = ParseList(parse.GetValue(probes)!, "--probes"),
                PeerExpansions = ParseList(parse.GetValue(efs)!, "--peer-ef"),
                PeerConnectivity = parse.GetValue(connectivity),
                Peer = !parse.GetValue(noPeer),
                Ann = !parse.GetValue(noAnn),
            };
            if (o.Size is < 1000 or > 50_000_000 || o.Dimension is < 32 or > 4096 || o.Dimension % 32 != 0 || o.Queries is < 64 or > 100_000
                || o.Threads is < 1 or > 256 || o.PeerConnectivity is < 4 or > 128 || o.Lists is < 1)
            {
                throw new ArgusException("argument.invalid",
                    "--size must be in [1000, 50000000], --dim a multiple of 32 in [32, 4096], --queries in [64, 100000], --threads in [1, 256], --peer-m in [4, 128].");
            }

            var json = parse.GetValue(ArgusCli.JsonOption);
            var r = SearchBenchmark.Run(o, json ? host.Error.WriteLine : host.Out.WriteLine);
            if (json)
            {
                host.WriteJson(SearchJson(r));
            }

            return ArgusCli.Ok;
        }));
        return command;
    }

    private static int[] ParseList(string text, string option)
    {
        var parts = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var values = new int[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            if (!int.TryParse(parts[i], out values[i]) || values[i] < 1)
            {
                throw new ArgusException("argument.invalid", $"{option} takes positive integers separated by commas, got '{text}'.");
            }
        }

        return values.Length > 0 ? values : throw new ArgusException("argument.invalid", $"{option} needs at least one value.");
    }

    private static JsonObject SearchJson(SearchBenchmarkResult r)
    {
        var ann = r.AnnChosen;
        var peerBest = r.Peer.Count > 0 ? r.Peer.MaxBy(p => p.RecallAt10) : null;
        var hybrid = r.Hybrid.Where(h => h.RecallAt10 >= 0.99).MaxBy(h => h.QpsAll) ?? r.Hybrid.MaxBy(h => h.RecallAt10);
        var runs = new JsonArray();
        foreach (var run in r.Ann.Concat(r.Hybrid).Concat(r.Peer).Prepend(r.ExactBatched).Prepend(r.ExactSingle))
        {
            runs.Add(new JsonObject
            {
                ["engine"] = run.Engine,
                ["setting"] = run.Setting,
                ["qps_1_thread"] = Math.Round(run.Qps1, 1),
                ["qps_all_threads"] = Math.Round(run.QpsAll, 1),
                ["p50_ms_1_thread"] = Math.Round(run.P50Ms1, 3),
                ["p99_ms_1_thread"] = Math.Round(run.P99Ms1, 3),
                ["p50_ms_all_threads"] = Math.Round(run.P50MsAll, 3),
                ["p99_ms_all_threads"] = Math.Round(run.P99MsAll, 3),
                ["recall_at_1"] = Math.Round(run.RecallAt1, 4),
                ["recall_at_10"] = Math.Round(run.RecallAt10, 4),
                ["match_recall"] = Math.Round(run.MatchRecall, 4),
                ["identity_top1"] = Math.Round(run.IdentityTop1, 4),
                ["exact_share"] = Math.Round(run.ExactShare, 4),
            });
        }

        return new JsonObject
        {
            ["size"] = r.Options.Size,
            ["dim"] = r.Options.Dimension,
            ["threads"] = r.Options.Threads,
            ["exact_qps"] = Math.Round(r.ExactBatched.QpsAll, 1),
            ["exact_p99_ms"] = Math.Round(r.ExactSingle.P99MsAll, 3),
            ["exact_single_qps"] = Math.Round(r.ExactSingle.QpsAll, 1),
            ["exact_scan_vectors_per_second"] = Math.Round(r.ExactScanVectorsPerSecond),
            ["exact_batched_pairs_per_second"] = Math.Round(r.ExactBatchedPairsPerSecond),
            ["ann_setting"] = ann?.Setting,
            ["ann_qps"] = ann is null ? null : Math.Round(ann.QpsAll, 1),
            ["ann_p99_ms"] = ann is null ? null : Math.Round(ann.P99MsAll, 3),
            ["ann_match_recall"] = ann is null ? null : Math.Round(ann.MatchRecall, 4),
            ["ann_recall_at_10"] = ann is null ? null : Math.Round(ann.RecallAt10, 4),
            ["ann_recall_at_1"] = ann is null ? null : Math.Round(ann.RecallAt1, 4),
            ["ann_lists"] = r.AnnLists,
            ["hybrid_setting"] = hybrid?.Setting,
            ["hybrid_qps"] = hybrid is null ? null : Math.Round(hybrid.QpsAll, 1),
            ["hybrid_recall_at_10"] = hybrid is null ? null : Math.Round(hybrid.RecallAt10, 4),
            ["hybrid_match_recall"] = hybrid is null ? null : Math.Round(hybrid.MatchRecall, 4),
            ["hybrid_exact_share"] = hybrid is null ? null : Math.Round(hybrid.ExactShare, 4),
            ["ann_train_seconds"] = Math.Round(r.AnnTrainSeconds, 2),
            ["bytes_per_vector"] = Math.Round(ann is null ? r.ExactBytesPerVector : r.AnnBytesPerVector, 1),
            ["load_seconds"] = Math.Round(r.SnapshotLoadSeconds, 3),
            ["snapshot_bytes"] = r.SnapshotBytes,
            ["build_seconds"] = Math.Round(r.ExactBuildSeconds + r.AnnTrainSeconds, 2),
            ["peer_qps"] = peerBest is null ? null : Math.Round(peerBest.QpsAll, 1),
            ["peer_recall_at_10"] = peerBest is null ? null : Math.Round(peerBest.RecallAt10, 4),
            ["peer_setting"] = peerBest?.Setting,
            ["peer_build_seconds"] = r.Peer.Count > 0 ? Math.Round(r.PeerBuildSeconds, 1) : null,
            ["peer_bytes_per_vector"] = r.Peer.Count > 0 ? Math.Round(r.PeerBytesPerVector, 1) : null,
            ["peer_load_seconds"] = r.Peer.Count > 0 ? Math.Round(r.PeerLoadSeconds, 3) : null,
            ["mate_similarity_mean"] = Math.Round(r.MateMean, 4),
            ["mate_similarity_std"] = Math.Round(r.MateStd, 4),
            ["impostor_similarity_mean"] = Math.Round(r.ImpostorMean, 4),
            ["impostor_similarity_std"] = Math.Round(r.ImpostorStd, 4),
            ["matches_per_query"] = Math.Round(r.MeanMatchesPerQuery, 2),
            ["runs"] = runs,
        };
    }
}
