using System.CommandLine;
using Argus.Bench;
using Argus.Core;

namespace Argus.Cli.Commands;

/// <summary><c>argus calibrate</c>: thresholds by target false-match rate, saved for verification to use.</summary>
internal static class CalibrateCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var list = new Option<string>("--images") { Description = "CSV with path,identity (e.g. faces-dev gallery.csv + probes.csv rows)", Required = true };
        var root = new Option<string>("--root") { Description = "Folder the CSV paths are relative to", Required = true };
        var save = new Option<bool>("--save") { Description = "Write the operating points to DATA/calibration.json for verification" };
        var command = new Command("calibrate", "Operating points by target false-match rate (1e-2 … 1e-5) from identity-labelled images.")
        {
            list, root, save, ArgusCli.JsonOption,
        };
        command.SetAction((parse, ct) => ArgusCli.Guard(parse, output, error, host =>
        {
            var folder = parse.GetValue(root)!;
            if (!Directory.Exists(folder))
            {
                throw new ArgusException("argument.invalid", $"--root {folder}: no such directory.");
            }

            using var progress = host.Progress("embedding", 0);
            var engine = host.Engine();
            var (report, images, identities, failed) = CalibrationRun.Run(engine, parse.GetValue(list)!, folder, Environment.ProcessorCount, progress);
            progress.Dispose();
            var json = Application.ServiceGalleries.OperatingPointTable.ToJson(report, engine.Contract, DateTimeOffset.UtcNow, images, identities, failed);
            if (parse.GetValue(save))
            {
                var path = Application.ServiceGalleries.OperatingPointTable.PathIn(host.Paths.DataDirectory);
                Directory.CreateDirectory(host.Paths.DataDirectory);
                File.WriteAllText(path, json.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
                host.Error.WriteLine($"saved {path}");
            }

            if (parse.GetValue(ArgusCli.JsonOption))
            {
                host.WriteJson(json);
            }
            else
            {
                host.Out.WriteLine($"{images} images of {identities} identities: {report.GenuinePairs:N0} genuine and {report.ImpostorPairs:N0} impostor pairs ({failed} images unusable)");
                foreach (var p in report.Points)
                {
                    host.Out.WriteLine($"  FMR {p.TargetFmr:0e0}: threshold {p.Threshold:0.0000}  measured FMR {p.MeasuredFmr:0.00e0}  FNMR {p.Fnmr:P2}{(p.Supported ? "" : "  (too few impostor pairs to measure this rate)")}");
                }
            }

            return ArgusCli.Ok;
        }));
        return command;
    }
}
