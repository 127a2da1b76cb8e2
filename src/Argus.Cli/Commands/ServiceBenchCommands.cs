using System.CommandLine;
using System.Globalization;
using Argus.Application.ServiceGalleries;
using Argus.Bench;
using Argus.Core;

namespace Argus.Cli.Commands;

/// <summary><c>argus bench verify</c>, <c>argus bench gate</c> and <c>argus eval liveness</c>: speed and attack error rates of the service operations.</summary>
internal static class ServiceBenchCommands
{
    private static readonly Option<string> Root = new("--root") { Description = "faces-dev folder", Required = true };

    private static string Calibration(CliHost host) =>
        File.Exists(OperatingPointTable.PathIn(host.Paths.DataDirectory))
            ? OperatingPointTable.PathIn(host.Paths.DataDirectory)
            : throw new ArgusException("verification.not_calibrated", $"No calibration in {host.Paths.DataDirectory}: run argus calibrate --save first.");

    public static Command BenchVerify(TextWriter output, TextWriter error)
    {
        var iterations = new Option<int>("--iterations") { DefaultValueFactory = _ => 300 };
        var command = new Command("verify", "p50/p95/p99 of one 1:1 verification of a 640x480 JPEG probe, end to end (in a temporary store).") { Root, iterations };
        command.SetAction((parse, ct) => ArgusCli.Guard(parse, output, error, async host =>
        {
            var directory = Path.Combine(Path.GetTempPath(), "argus-bench-verify-" + Guid.NewGuid().ToString("N")[..8]);
            try
            {
                var r = await ServiceBenchmark.VerifyAsync(host.Engine(liveness: true, pose: true), parse.GetValue(Root)!, Calibration(host), directory, parse.GetValue(iterations));
                Print(host, r);
            }
            finally
            {
                Directory.Delete(directory, recursive: true);
            }

            return ArgusCli.Ok;
        }));
        return command;
    }

    public static Command BenchGate(TextWriter output, TextWriter error)
    {
        var riders = new Option<int>("--riders") { DefaultValueFactory = _ => 100_000 };
        var iterations = new Option<int>("--iterations") { DefaultValueFactory = _ => 300 };
        var command = new Command("gate", "p50/p95/p99 of a metro gate decision among N enrolled riders (one real, the rest synthetic), in a temporary store.") { Root, riders, iterations };
        command.SetAction((parse, ct) => ArgusCli.Guard(parse, output, error, async host =>
        {
            var directory = Path.Combine(Path.GetTempPath(), "argus-bench-gate-" + Guid.NewGuid().ToString("N")[..8]);
            try
            {
                var (r, enrol, index, bytes) = await ServiceBenchmark.GateAsync(
                    host.Engine(liveness: true, pose: true), parse.GetValue(Root)!, Calibration(host), directory, parse.GetValue(riders), parse.GetValue(iterations));
                host.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"enrolled {parse.GetValue(riders):N0} riders in {enrol:0.0} s; index built (decrypt + add) in {index:0.0} s, about {bytes / 1048576.0:0} MiB managed"));
                Print(host, r);
            }
            finally
            {
                Directory.Delete(directory, recursive: true);
            }

            return ArgusCli.Ok;
        }));
        return command;
    }

    public static Command EvalLiveness(TextWriter output, TextWriter error)
    {
        var command = new Command("liveness", "APCER/BPCER of passive and active liveness on simulated print and screen attacks made from faces-dev (not validated).") { Root };
        command.SetAction((parse, ct) => ArgusCli.Guard(parse, output, error, host =>
        {
            using var progress = host.Progress("attacks", 0);
            var result = LivenessEvaluation.Run(host.Engine(liveness: true, pose: true), parse.GetValue(Root)!, progress);
            var rates = result.Rates;
            progress.Dispose();
            host.Out.WriteLine("Passive model, class evidence (mean softmax; how often each class is the largest; AUC against bona fide of p[0], p[1] and 1 - p[2] as p(live)):");
            host.Out.WriteLine("| presentation | samples | mean p[0] | mean p[1] | mean p[2] | top 0 / 1 / 2 | AUC p[0] | AUC p[1] | AUC 1 - p[2] |");
            host.Out.WriteLine("|---|---|---|---|---|---|---|---|---|");
            foreach (var c in result.Classes)
            {
                host.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {c.Kind} | {c.Samples} | {c.Mean0:0.000} | {c.Mean1:0.000} | {c.Mean2:0.0000} | {c.Top0} / {c.Top1} / {c.Top2} | {Auc(c.Auc0)} | {Auc(c.Auc1)} | {Auc(c.AucNotAttack)} |"));
            }

            host.Out.WriteLine();
            host.Out.WriteLine("| check | presentation | samples | no face | judged live | by blink / by head turn | metric |");
            host.Out.WriteLine("|---|---|---|---|---|---|---|");
            foreach (var r in rates)
            {
                host.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {r.Check} | {r.Kind} | {r.Samples} | {r.NoFace} | {r.JudgedLive} | {(r.Check == "active" ? $"{r.Blinks} / {r.Turns}" : "")} | {r.Metric} {r.Rate:P1} |"));
            }

            return ArgusCli.Ok;
        }));
        return command;
    }

    private static string Auc(double? auc) => auc is { } a ? a.ToString("0.000", CultureInfo.InvariantCulture) : "";

    private static void Print(CliHost host, LatencyReport r) => host.Out.WriteLine(string.Create(
        CultureInfo.InvariantCulture,
        $"{r.What}: {r.Iterations} runs, p50 {r.P50:0.0} ms, p95 {r.P95:0.0} ms, p99 {r.P99:0.0} ms, max {r.Max:0.0} ms ({r.Notes})"));
}
