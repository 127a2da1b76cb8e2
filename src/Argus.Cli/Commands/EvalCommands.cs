using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Argus.Bench;
using Argus.Core;
using Argus.Core.Evaluation;
using Argus.Vision.Pipeline;

namespace Argus.Cli.Commands;

/// <summary><c>argus eval pairs</c> and <c>argus eval identify</c>: accuracy on labelled data.</summary>
internal static class EvalCommands
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var eval = new Command("eval", "Measure accuracy on labelled data.");
        eval.Subcommands.Add(Pairs(output, error));
        eval.Subcommands.Add(Identify(output, error));
        eval.Subcommands.Add(FaceSizes(output, error));
        eval.Subcommands.Add(Mirror(output, error));
        eval.Subcommands.Add(MultiPhoto(output, error));
        eval.Subcommands.Add(Fairness(output, error));
        return eval;
    }

    private static Option<string?> Subset() => new("--subset") { Description = "Only rows whose `subset` column has this value (e.g. wild)" };

    private static Option<int> Workers() => new("--workers")
    {
        Description = "Parallel workers (default: one per core)",
        DefaultValueFactory = _ => Environment.ProcessorCount,
    };

    private static Option<string> Root() => new("--root") { Description = "Folder the CSV paths are relative to", Required = true };

    private static Command Pairs(TextWriter output, TextWriter error)
    {
        var pairs = new Option<string>("--pairs") { Description = "CSV with path1,path2,same[,fold]", Required = true };
        var root = Root();
        var subset = Subset();
        var workers = Workers();
        var command = new Command("pairs", "1:1 verification accuracy, ROC AUC and TAR at fixed FAR.") { pairs, root, subset, workers, ArgusCli.JsonOption };
        command.SetAction((parse, ct) => ArgusCli.Guard(parse, output, error, host =>
        {
            var engine = host.Engine();
            using var progress = host.Progress("embedding", 0);
            var result = PairsEvaluation.Run(
                engine, parse.GetValue(pairs)!, RootDirectory(parse.GetValue(root)!), CheckWorkers(parse.GetValue(workers)), parse.GetValue(subset), progress);
            progress.Dispose();
            var r = result.Report;
            if (parse.GetValue(ArgusCli.JsonOption))
            {
                host.WriteJson(new JsonObject
                {
                    ["pairs"] = r.Pairs,
                    ["accuracy"] = Math.Round(r.Accuracy, 6),
                    ["best_threshold"] = Math.Round(r.BestThreshold, 4),
                    ["accuracy_10fold_mean"] = r.Accuracy10FoldMean is { } m ? Math.Round(m, 6) : null,
                    ["accuracy_10fold_sd"] = r.Accuracy10FoldSd is { } sd ? Math.Round(sd, 6) : null,
                    ["auc"] = Math.Round(r.Auc, 6),
                    ["tar_at_far_1e-2"] = Math.Round(r.TarAtFar1E2, 6),
                    ["threshold_at_far_1e-2"] = Math.Round(r.ThresholdAtFar1E2, 4),
                    ["tar_at_far_1e-3"] = Math.Round(r.TarAtFar1E3, 6),
                    ["threshold_at_far_1e-3"] = Math.Round(r.ThresholdAtFar1E3, 4),
                    ["failed_images"] = result.FailedImages.Count,
                    ["failed_image_paths"] = new JsonArray([.. result.FailedImages.Select(f => (JsonNode?)JsonValue.Create($"{f.Path}: {f.Error}"))]),
                    ["failed_pairs"] = result.FailedPairs,
                    ["genuine"] = DistributionJson(r.Genuine),
                    ["impostor"] = DistributionJson(r.Impostor),
                });
            }
            else
            {
                host.Out.WriteLine($"pairs                 {r.Pairs} ({r.Genuine.Count} same, {r.Impostor.Count} different)");
                host.Out.WriteLine($"best accuracy         {r.Accuracy * 100:0.00}% at threshold {r.BestThreshold:0.000}");
                if (r.Accuracy10FoldMean is { } mean)
                {
                    host.Out.WriteLine($"10-fold accuracy      {mean * 100:0.00}% ± {r.Accuracy10FoldSd * 100:0.00}");
                }

                host.Out.WriteLine($"ROC AUC               {r.Auc:0.00000}");
                host.Out.WriteLine($"TAR @ FAR 1e-2        {r.TarAtFar1E2 * 100:0.00}% (threshold {r.ThresholdAtFar1E2:0.000})");
                host.Out.WriteLine($"TAR @ FAR 1e-3        {r.TarAtFar1E3 * 100:0.00}% (threshold {r.ThresholdAtFar1E3:0.000})");
                host.Out.WriteLine($"same-person scores    {DistributionText(r.Genuine)}");
                host.Out.WriteLine($"different scores      {DistributionText(r.Impostor)}");
                host.Out.WriteLine($"failed images         {result.FailedImages.Count} ({result.FailedPairs} pairs scored -1)");
                foreach (var failed in result.FailedImages)
                {
                    host.Out.WriteLine($"  {failed.Path}: {failed.Error}");
                }
            }

            return ArgusCli.Ok;
        }));
        return command;
    }

    private static Command Identify(TextWriter output, TextWriter error)
    {
        var gallery = new Option<string>("--gallery") { Description = "CSV with path,identity", Required = true };
        var probes = new Option<string>("--probes") { Description = "CSV with path,identity,in_gallery", Required = true };
        var root = Root();
        var subset = Subset();
        var workers = Workers();
        var index = new Option<string>("--index") { Description = "fp32 (exhaustive float search, default) or int8 (Argus's quantised index)", DefaultValueFactory = _ => "fp32" };
        index.AcceptOnlyFromAmong("fp32", "int8");
        var gallerySizes = new Option<string?>("--gallery-sizes")
        {
            Description = "Grow the gallery with synthetic distractors to these sizes (comma-separated, e.g. 1000,10000,100000) and report FNIR with and without cohort normalisation",
        };
        var command = new Command("identify", "Open-set 1:N identification: rank-1 and FNIR at fixed FPIR.")
        {
            gallery, probes, root, subset, workers, index, gallerySizes, ArgusCli.JsonOption,
        };
        command.SetAction((parse, ct) => ArgusCli.Guard(parse, output, error, host =>
        {
            if (parse.GetValue(gallerySizes) is { } sizesText)
            {
                return GallerySizes(host, parse, ParseCounts("--gallery-sizes", sizesText, 1, 200_000), parse.GetValue(gallery)!, parse.GetValue(probes)!,
                    RootDirectory(parse.GetValue(root)!), CheckWorkers(parse.GetValue(workers)), parse.GetValue(subset));
            }

            using var progress = host.Progress("embedding", 0);
            var result = IdentifyEvaluation.Run(
                host.Engine(), parse.GetValue(gallery)!, parse.GetValue(probes)!, RootDirectory(parse.GetValue(root)!),
                CheckWorkers(parse.GetValue(workers)), parse.GetValue(subset), progress, quantised: parse.GetValue(index) == "int8");
            progress.Dispose();
            var r = result.Report;
            if (parse.GetValue(ArgusCli.JsonOption))
            {
                host.WriteJson(new JsonObject
                {
                    ["index"] = parse.GetValue(index),
                    ["gallery_images"] = result.GalleryImages,
                    ["gallery_identities"] = result.GalleryIdentities,
                    ["mated_probes"] = r.MatedProbes,
                    ["non_mated_probes"] = r.NonMatedProbes,
                    ["rank1"] = Math.Round(r.Rank1, 6),
                    ["fnir_at_fpir_0.01"] = Math.Round(r.AtFpir1E2.Fnir, 6),
                    ["threshold_at_fpir_0.01"] = Math.Round(r.AtFpir1E2.Threshold, 4),
                    ["fnir_at_fpir_0.003"] = Math.Round(r.AtFpir3E3.Fnir, 6),
                    ["threshold_at_fpir_0.003"] = Math.Round(r.AtFpir3E3.Threshold, 4),
                    ["failed_images"] = result.FailedImages.Count,
                });
            }
            else
            {
                host.Out.WriteLine($"gallery               {result.GalleryImages} templates of {result.GalleryIdentities} identities");
                host.Out.WriteLine($"probes                {r.MatedProbes} mated, {r.NonMatedProbes} non-mated");
                host.Out.WriteLine($"rank-1                {r.Rank1 * 100:0.00}%");
                host.Out.WriteLine($"FNIR @ FPIR 0.01      {r.AtFpir1E2.Fnir * 100:0.00}% (threshold {r.AtFpir1E2.Threshold:0.000}, actual FPIR {r.AtFpir1E2.Fpir:0.0000})");
                host.Out.WriteLine($"FNIR @ FPIR 0.003     {r.AtFpir3E3.Fnir * 100:0.00}% (threshold {r.AtFpir3E3.Threshold:0.000}, actual FPIR {r.AtFpir3E3.Fpir:0.0000})");
                host.Out.WriteLine($"failed images         {result.FailedImages.Count}");
                foreach (var failed in result.FailedImages)
                {
                    host.Out.WriteLine($"  {failed.Path}: {failed.Error}");
                }
            }

            return ArgusCli.Ok;
        }));
        return command;
    }

    private static int GallerySizes(CliHost host, ParseResult parse, int[] sizes, string gallery, string probes, string root, int workers, string? subset)
    {
        using var progress = host.Progress("embedding", 0);
        var result = GallerySizeEvaluation.Run(host.Engine(), gallery, probes, root, sizes, workers, subset, progress);
        progress.Dispose();
        if (parse.GetValue(ArgusCli.JsonOption))
        {
            host.WriteJson(new JsonObject
            {
                ["enrolled"] = result.Enrolled,
                ["mated_searches"] = result.MatedSearches,
                ["non_mated_searches"] = result.NonMatedSearches,
                ["cohort_size"] = result.CohortSize,
                ["failed_images"] = result.FailedImages,
                ["real_impostor"] = DistributionJson(result.RealImpostor),
                ["synthetic_impostor"] = DistributionJson(result.SyntheticImpostor),
                ["rows"] = new JsonArray([.. result.Rows.Select(r => (JsonNode)new JsonObject
                {
                    ["gallery_size"] = r.Size,
                    ["normalised"] = r.Normalised,
                    ["fnir_at_fpir_0.01"] = Math.Round(r.At1E2.Fnir, 6),
                    ["threshold_at_fpir_0.01"] = Math.Round(r.At1E2.Threshold, 4),
                    ["fnir_at_fpir_0.001"] = Math.Round(r.At1E3.Fnir, 6),
                    ["threshold_at_fpir_0.001"] = Math.Round(r.At1E3.Threshold, 4),
                    ["fpir_at_smallest_gallery_threshold"] = Math.Round(r.FpirAtSmallestThreshold, 6),
                })]),
            });
        }
        else
        {
            host.Out.WriteLine($"{result.Enrolled} enrolled templates; {result.MatedSearches} mated and {result.NonMatedSearches} non-mated searches; cohort of {result.CohortSize} real faces per fold; {result.FailedImages} images failed");
            host.Out.WriteLine($"impostor scores: real {DistributionText(result.RealImpostor)}");
            host.Out.WriteLine($"                 synthetic {DistributionText(result.SyntheticImpostor)}");
            host.Out.WriteLine("gallery   scores       FNIR@FPIR.01 (thr)     FNIR@FPIR.001 (thr)    FPIR at the smallest gallery's FPIR .01 threshold");
            foreach (var r in result.Rows)
            {
                host.Out.WriteLine(
                    $"{r.Size,8}  {(r.Normalised ? "normalised" : "raw"),-11}  {r.At1E2.Fnir * 100,6:0.00}% ({r.At1E2.Threshold,6:0.000})    {r.At1E3.Fnir * 100,6:0.00}% ({r.At1E3.Threshold,6:0.000})    {r.FpirAtSmallestThreshold * 100:0.00}%");
            }
        }

        return ArgusCli.Ok;
    }

    private static Command FaceSizes(TextWriter output, TextWriter error)
    {
        var pairs = new Option<string>("--pairs") { Description = "CSV with path1,path2,same: path1 stays full size, path2 is shrunk", Required = true };
        var root = Root();
        var subset = Subset();
        var workers = Workers();
        var sizes = new Option<string>("--sizes")
        {
            Description = "Probe face sizes in pixels (square box side), comma-separated",
            DefaultValueFactory = _ => "112,80,64,48,40",
        };
        var mirror = new Option<bool>("--mirror") { Description = "Mirror-fused templates (test-time augmentation) on both sides" };
        var command = new Command("face-sizes", "1:1 verification with the probe face shrunk to each size: where the embedder stops being reliable.")
        {
            pairs, root, subset, workers, sizes, mirror, ArgusCli.JsonOption,
        };
        command.SetAction((parse, ct) => ArgusCli.Guard(parse, output, error, host =>
        {
            var sizeList = ParseSizes(parse.GetValue(sizes)!);

            // Its own engine without the size gate: the point is to measure below it.
            using var engine = new FaceEngineBuilder().UseModelDirectory(host.Paths.ModelsDirectory).WithOptions(new FaceEngineOptions { MinFaceSize = 1, MirrorFusion = parse.GetValue(mirror) }).Build();
            using var progress = host.Progress("embedding", 0);
            var rows = FaceSizeEvaluation.Run(
                engine, parse.GetValue(pairs)!, RootDirectory(parse.GetValue(root)!), sizeList, CheckWorkers(parse.GetValue(workers)), parse.GetValue(subset), progress);
            progress.Dispose();
            if (parse.GetValue(ArgusCli.JsonOption))
            {
                host.WriteJson(new JsonArray([.. rows.Select(r => (JsonNode)new JsonObject
                {
                    ["size"] = r.Size,
                    ["pairs"] = r.Report.Pairs,
                    ["accuracy"] = Math.Round(r.Report.Accuracy, 6),
                    ["auc"] = Math.Round(r.Report.Auc, 6),
                    ["tar_at_far_1e-3"] = Math.Round(r.Report.TarAtFar1E3, 6),
                    ["threshold_at_far_1e-3"] = Math.Round(r.Report.ThresholdAtFar1E3, 4),
                    ["tar_at_full_size_threshold"] = Math.Round(r.FixedThresholdTar, 6),
                    ["far_at_full_size_threshold"] = Math.Round(r.FixedThresholdFar, 6),
                    ["genuine_at_identification_threshold"] = Math.Round(r.GenuineAtIdentification, 6),
                    ["genuine"] = DistributionJson(r.Report.Genuine),
                    ["impostor"] = DistributionJson(r.Report.Impostor),
                    ["probes"] = r.Probes,
                    ["probes_not_shrunk"] = r.ProbesNotShrunk,
                    ["median_norm"] = Math.Round(r.MedianNorm, 3),
                    ["poor_quality_rate"] = Math.Round(r.PoorQualityRate, 4),
                    ["median_shot_quality"] = Math.Round(r.MedianShotQuality, 4),
                    ["below_shot_quality_rate"] = Math.Round(r.BelowShotQualityRate, 4),
                })]));
            }
            else
            {
                host.Out.WriteLine("size   accuracy  AUC      TAR@FAR1e-3 (thr)   TAR/FAR at full-size thr  genuine>=0.45  genuine mean  impostor mean  median norm  poor-quality  shot q<min  not shrunk");
                foreach (var r in rows)
                {
                    host.Out.WriteLine(
                        $"{(r.Size is { } s ? s.ToString(CultureInfo.InvariantCulture) + " px" : "full"),-6} {r.Report.Accuracy * 100,7:0.00}%  {r.Report.Auc:0.0000}   {r.Report.TarAtFar1E3 * 100,6:0.00}% ({r.Report.ThresholdAtFar1E3:0.000})   "
                        + $"{r.FixedThresholdTar * 100,6:0.00}% / {r.FixedThresholdFar * 100:0.00}%          {r.GenuineAtIdentification * 100,6:0.00}%        {r.Report.Genuine.Mean,6:0.000}        {r.Report.Impostor.Mean,6:0.000}         "
                        + $"{r.MedianNorm,5:0.00}       {r.PoorQualityRate * 100,5:0.0}%        {r.BelowShotQualityRate * 100,5:0.0}%     {r.ProbesNotShrunk}/{r.Probes}");
                }
            }

            return ArgusCli.Ok;
        }));
        return command;
    }

    private static Command Mirror(TextWriter output, TextWriter error)
    {
        var pairs = new Option<string>("--pairs") { Description = "CSV with path1,path2,same", Required = true };
        var gallery = new Option<string>("--gallery") { Description = "CSV with path,identity", Required = true };
        var probes = new Option<string>("--probes") { Description = "CSV with path,identity,in_gallery", Required = true };
        var root = Root();
        var subset = Subset();
        var workers = Workers();
        var timed = new Option<int>("--timed-faces") { Description = "Faces timed on one thread for the cost per face (0 to skip)", DefaultValueFactory = _ => 40 };
        var command = new Command("mirror", "Test-time augmentation: plain templates against mirror-fused ones (1:1, 1:N, held-out, cost per face).")
        {
            pairs, gallery, probes, root, subset, workers, timed, ArgusCli.JsonOption,
        };
        command.SetAction((parse, ct) => ArgusCli.Guard(parse, output, error, host =>
        {
            var timedFaces = parse.GetValue(timed) is var t and >= 0 and <= 1000 ? t : throw new ArgusException("argument.invalid", "--timed-faces must be between 0 and 1000.");
            var rootDirectory = RootDirectory(parse.GetValue(root)!);
            // Both variants built here, whatever the engine's default: the point is to compare them.
            using var engine = new FaceEngineBuilder().UseModelDirectory(host.Paths.ModelsDirectory).WithOptions(new FaceEngineOptions { MirrorFusion = false }).Build();
            using var fusedEngine = new FaceEngineBuilder().UseModelDirectory(host.Paths.ModelsDirectory).WithOptions(new FaceEngineOptions { MirrorFusion = true }).Build();
            using var progress = host.Progress("embedding", 0);
            var result = MirrorEvaluation.Run(
                engine, fusedEngine, parse.GetValue(pairs)!, parse.GetValue(gallery)!, parse.GetValue(probes)!, rootDirectory,
                CheckWorkers(parse.GetValue(workers)), parse.GetValue(subset), timedFaces, progress);
            progress.Dispose();
            if (parse.GetValue(ArgusCli.JsonOption))
            {
                JsonObject Variant(MirrorVariant v) => new()
                {
                    ["pairs"] = v.Pairs.Pairs,
                    ["accuracy"] = Math.Round(v.Pairs.Accuracy, 6),
                    ["auc"] = Math.Round(v.Pairs.Auc, 6),
                    ["tar_at_far_1e-3"] = Math.Round(v.Pairs.TarAtFar1E3, 6),
                    ["held_out_frr_at_far_1e-3"] = Math.Round(v.PairsHeldOut.Miss, 6),
                    ["held_out_far_at_far_1e-3"] = Math.Round(v.PairsHeldOut.FalsePositive, 6),
                    ["genuine"] = DistributionJson(v.Pairs.Genuine),
                    ["impostor"] = DistributionJson(v.Pairs.Impostor),
                    ["rank1"] = Math.Round(v.Identify.Rank1, 6),
                    ["fnir_at_fpir_0.01"] = Math.Round(v.Identify.AtFpir1E2.Fnir, 6),
                    ["threshold_at_fpir_0.01"] = Math.Round(v.Identify.AtFpir1E2.Threshold, 4),
                    ["held_out_fnir_at_fpir_0.01"] = Math.Round(v.IdentifyHeldOut1E2.Miss, 6),
                    ["held_out_fpir_at_fpir_0.01"] = Math.Round(v.IdentifyHeldOut1E2.FalsePositive, 6),
                };
                host.WriteJson(new JsonObject
                {
                    ["plain"] = Variant(result.Plain),
                    ["mirror_fused"] = Variant(result.Fused),
                    ["mean_genuine_gain"] = Math.Round(result.MeanGenuineGain, 5),
                    ["mean_impostor_change"] = Math.Round(result.MeanImpostorChange, 5),
                    ["timed_faces"] = result.TimedFaces,
                    ["plain_ms_per_face"] = double.IsNaN(result.PlainMsPerFace) ? null : Math.Round(result.PlainMsPerFace, 3),
                    ["mirror_fused_ms_per_face"] = double.IsNaN(result.FusedMsPerFace) ? null : Math.Round(result.FusedMsPerFace, 3),
                    ["failed_images"] = result.FailedImages.Count,
                });
            }
            else
            {
                host.Out.WriteLine("variant        accuracy  AUC       TAR@FAR1e-3  held-out FRR/FAR@1e-3   same mean  diff mean  rank-1   FNIR@FPIR.01 (thr)   held-out FNIR/FPIR@.01");
                foreach (var v in new[] { result.Plain, result.Fused })
                {
                    host.Out.WriteLine(
                        $"{v.Name,-14} {v.Pairs.Accuracy * 100,7:0.00}%  {v.Pairs.Auc:0.00000}  {v.Pairs.TarAtFar1E3 * 100,7:0.00}%     {v.PairsHeldOut.Miss * 100,5:0.00}% / {v.PairsHeldOut.FalsePositive * 100,5:0.00}%       "
                        + $"{v.Pairs.Genuine.Mean:0.0000}     {v.Pairs.Impostor.Mean,7:0.0000}   {v.Identify.Rank1 * 100,6:0.00}%  {v.Identify.AtFpir1E2.Fnir * 100,5:0.00}% ({v.Identify.AtFpir1E2.Threshold:0.000})      "
                        + $"{v.IdentifyHeldOut1E2.Miss * 100,5:0.00}% / {v.IdentifyHeldOut1E2.FalsePositive * 100,5:0.00}%");
                }

                host.Out.WriteLine($"same-person mean change {result.MeanGenuineGain:+0.0000;-0.0000}, different-person {result.MeanImpostorChange:+0.0000;-0.0000}");
                host.Out.WriteLine(result.TimedFaces == 0
                    ? "cost per face         not timed"
                    : $"cost per face (1 thread, {result.TimedFaces} faces): plain {result.PlainMsPerFace:0.00} ms, mirror-fused {result.FusedMsPerFace:0.00} ms");
                host.Out.WriteLine($"failed images         {result.FailedImages.Count}");
            }

            return ArgusCli.Ok;
        }));
        return command;
    }

    private static Command MultiPhoto(TextWriter output, TextWriter error)
    {
        var gallery = new Option<string>("--gallery") { Description = "CSV with path,identity[,role]: the enrolled identities", Required = true };
        var probes = new Option<string>("--probes") { Description = "CSV with path,identity,in_gallery: more photos of them, and strangers", Required = true };
        var root = Root();
        var subset = Subset();
        var workers = Workers();
        var photos = new Option<string>("--photos") { Description = "Numbers of enrolment photos per person, comma-separated", DefaultValueFactory = _ => "1,2,3,4" };
        var rounds = new Option<int>("--rounds") { Description = "Random draws of each person's photos, pooled", DefaultValueFactory = _ => 5 };
        var command = new Command("multi-photo", "Open-set 1:N with several enrolment photos per person: best-of, mean and norm-weighted mean templates.")
        {
            gallery, probes, root, subset, workers, photos, rounds, ArgusCli.JsonOption,
        };
        command.SetAction((parse, ct) => ArgusCli.Guard(parse, output, error, host =>
        {
            var counts = ParseCounts("--photos", parse.GetValue(photos)!, 1, 20);
            var roundCount = parse.GetValue(rounds) is var r and >= 1 and <= 100 ? r : throw new ArgusException("argument.invalid", "--rounds must be between 1 and 100.");
            var rootDirectory = RootDirectory(parse.GetValue(root)!);
            using var progress = host.Progress("embedding", 0);
            var result = MultiPhotoEvaluation.Run(
                host.Engine(), parse.GetValue(gallery)!, parse.GetValue(probes)!, rootDirectory, counts, roundCount, CheckWorkers(parse.GetValue(workers)), parse.GetValue(subset), progress);
            progress.Dispose();
            static string Rule(EnrolmentRule rule) => rule switch
            {
                EnrolmentRule.BestOf => "best-of",
                EnrolmentRule.Mean => "mean",
                _ => "norm-weighted",
            };
            if (parse.GetValue(ArgusCli.JsonOption))
            {
                host.WriteJson(new JsonObject
                {
                    ["rounds"] = result.Rounds,
                    ["identities"] = result.Rows[0].Identities,
                    ["mated_probes_per_round"] = result.MatedProbesPerRound,
                    ["non_mated_probes"] = result.NonMatedProbes,
                    ["failed_images"] = result.FailedImages,
                    ["rows"] = new JsonArray([.. result.Rows.Select(row => (JsonNode)new JsonObject
                    {
                        ["photos"] = row.Photos,
                        ["rule"] = Rule(row.Rule),
                        ["rank1"] = Math.Round(row.Report.Rank1, 6),
                        ["fnir_at_fpir_0.01"] = Math.Round(row.Report.AtFpir1E2.Fnir, 6),
                        ["threshold_at_fpir_0.01"] = Math.Round(row.Report.AtFpir1E2.Threshold, 4),
                        ["held_out_fnir_at_fpir_0.01"] = Math.Round(row.HeldOut1E2.Miss, 6),
                        ["held_out_fpir_at_fpir_0.01"] = Math.Round(row.HeldOut1E2.FalsePositive, 6),
                    })]),
                });
            }
            else
            {
                host.Out.WriteLine($"{result.Rows[0].Identities} identities, {result.MatedProbesPerRound} mated probes and {result.NonMatedProbes} strangers per round, {result.Rounds} rounds pooled; {result.FailedImages} images failed");
                host.Out.WriteLine("photos  rule            rank-1    FNIR@FPIR.01 (thr)    held-out FNIR / FPIR @.01");
                foreach (var row in result.Rows)
                {
                    host.Out.WriteLine(
                        $"{row.Photos,6}  {Rule(row.Rule),-14} {row.Report.Rank1 * 100,7:0.00}%   {row.Report.AtFpir1E2.Fnir * 100,5:0.00}% ({row.Report.AtFpir1E2.Threshold:0.000})       "
                        + $"{row.HeldOut1E2.Miss * 100,5:0.00}% / {row.HeldOut1E2.FalsePositive * 100,5:0.00}%");
                }
            }

            return ArgusCli.Ok;
        }));
        return command;
    }

    private static Command Fairness(TextWriter output, TextWriter error)
    {
        var images = new Option<string>("--images") { Description = "CSV(s) with path,identity, comma-separated (e.g. gallery.csv,probes.csv)", Required = true };
        var groups = new Option<string?>("--groups") { Description = "CSV with identity,group (labels you can vouch for); default: the source collection named by the identity's prefix" };
        var fmr = new Option<string>("--fmr") { Description = "Target false-match rates, comma-separated", DefaultValueFactory = _ => "0.001,0.0001" };
        var root = Root();
        var workers = Workers();
        var command = new Command("fairness", "False match and false non-match rates per group, at thresholds chosen on the other identity fold.")
        {
            images, groups, fmr, root, workers, ArgusCli.JsonOption,
        };
        command.SetAction((parse, ct) => ArgusCli.Guard(parse, output, error, host =>
        {
            var targets = parse.GetValue(fmr)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(t =>
                double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && v is > 0 and < 1
                    ? v : throw new ArgusException("argument.invalid", $"--fmr: '{t}' is not a rate between 0 and 1.")).ToArray();
            if (targets.Length == 0)
            {
                throw new ArgusException("argument.invalid", "--fmr needs at least one rate.");
            }

            var csvs = parse.GetValue(images)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var rootDirectory = RootDirectory(parse.GetValue(root)!);
            using var progress = host.Progress("embedding", 0);
            var result = FairnessEvaluation.Run(host.Engine(), csvs, rootDirectory, parse.GetValue(groups), targets, CheckWorkers(parse.GetValue(workers)), progress);
            progress.Dispose();
            if (parse.GetValue(ArgusCli.JsonOption))
            {
                host.WriteJson(new JsonObject
                {
                    ["groups_from"] = result.GroupSource,
                    ["images"] = result.Images,
                    ["failed_images"] = result.FailedImages,
                    ["rows"] = new JsonArray([.. result.Rows.Select(r => (JsonNode)new JsonObject
                    {
                        ["group"] = r.Group,
                        ["target_fmr"] = r.TargetFmr,
                        ["identities"] = r.Identities,
                        ["genuine_pairs"] = r.GenuinePairs,
                        ["false_non_matches"] = r.FalseNonMatches,
                        ["fnmr"] = double.IsNaN(r.Fnmr) ? null : Math.Round(r.Fnmr, 6),
                        ["impostor_pairs"] = r.ImpostorPairs,
                        ["false_matches"] = r.FalseMatches,
                        ["fmr"] = double.IsNaN(r.Fmr) ? null : Math.Round(r.Fmr, 7),
                    })]),
                });
            }
            else
            {
                host.Out.WriteLine($"groups from {result.GroupSource}; {result.Images} images, {result.FailedImages} failed; thresholds chosen on the other identity fold: {string.Join(", ", result.Thresholds.Select(t => t.ToString("0.000", CultureInfo.InvariantCulture)))}");
                host.Out.WriteLine("target FMR  group              people  genuine pairs  FNMR             impostor pairs  FMR");
                foreach (var r in result.Rows)
                {
                    host.Out.WriteLine(
                        $"{r.TargetFmr,-10:0.#####}  {r.Group,-18} {r.Identities,6}  {r.GenuinePairs,13}  {(r.GenuinePairs == 0 ? "n/a" : $"{r.Fnmr * 100:0.00}% ({r.FalseNonMatches})"),-15}  {r.ImpostorPairs,14}  "
                        + (r.ImpostorPairs == 0 ? "n/a" : $"{r.Fmr:0.00e+0} ({r.FalseMatches}){(r.FalseMatches == 0 ? $", < {Math.Min(1, 3.0 / r.ImpostorPairs):0.0e+0} at 95%" : "")}"));
                }
            }

            return ArgusCli.Ok;
        }));
        return command;
    }

    private static int[] ParseCounts(string option, string text, int min, int max)
    {
        var parts = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var values = new int[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            if (!int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out values[i]) || values[i] < min || values[i] > max)
            {
                throw new ArgusException("argument.invalid", $"{option}: '{parts[i]}' is not a whole number from {min} to {max}.");
            }
        }

        return values.Length > 0 ? values : throw new ArgusException("argument.invalid", $"{option} needs at least one number.");
    }

    private static int[] ParseSizes(string text)
    {
        var parts = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var sizes = new int[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            if (!int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out sizes[i]) || sizes[i] is < 8 or > 1024)
            {
                throw new ArgusException("argument.invalid", $"--sizes: '{parts[i]}' is not a face size between 8 and 1024 pixels.");
            }
        }

        return sizes.Length > 0 ? sizes : throw new ArgusException("argument.invalid", "--sizes needs at least one size.");
    }

    private static string RootDirectory(string root) =>
        Directory.Exists(root) ? root : throw new ArgusException("argument.invalid", $"--root {root}: no such directory.");

    private static int CheckWorkers(int workers) =>
        workers is >= 1 and <= 256 ? workers : throw new ArgusException("argument.invalid", "--workers must be between 1 and 256.");

    private static JsonObject DistributionJson(Distribution d) => new()
    {
        ["count"] = d.Count,
        ["mean"] = Math.Round(d.Mean, 4),
        ["sd"] = Math.Round(d.StandardDeviation, 4),
        ["min"] = Math.Round(d.Min, 4),
        ["max"] = Math.Round(d.Max, 4),
    };

    private static string DistributionText(Distribution d) =>
        $"mean {d.Mean:0.000} sd {d.StandardDeviation:0.000} min {d.Min:0.000} max {d.Max:0.000} (n={d.Count})";
}
