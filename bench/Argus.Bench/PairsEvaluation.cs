using Argus.Core.Evaluation;
using Argus.Vision.Pipeline;

namespace Argus.Bench;

public sealed record PairsResult(VerificationReport Report, IReadOnlyList<ImageOutcome> FailedImages, int FailedPairs);

/// <summary>
/// 1:1 evaluation over a CSV of <c>path1,path2,same[,fold][,subset]</c>. Each image is embedded once (primary
/// face). A pair with an image that yields no template scores -1: a failure to enrol counts against accuracy.
/// </summary>
public static class PairsEvaluation
{
    public static PairsResult Run(FaceEngine engine, string csv, string root, int workers, string? subset = null, IProgress<(int Done, int Total)>? progress = null)
    {
        var table = CsvTable.Load(csv, "path1", "path2", "same");
        var rows = table.Rows.Where(r => subset is null || !table.Has("subset") || table.Get(r, "subset") == subset).ToArray();
        if (rows.Length == 0)
        {
            throw new Core.ArgusException("csv.invalid", $"{csv} has no pairs{(subset is null ? "" : $" in subset '{subset}'")}.");
        }

        var paths = rows.SelectMany(r => new[] { table.Get(r, "path1"), table.Get(r, "path2") }).Distinct().ToArray();
        var outcomes = ImageSet.EmbedAll(engine, paths, root, workers, progress is null ? null : new Progress<int>(d => progress.Report((d, paths.Length))));

        var scored = new List<ScoredPair>(rows.Length);
        var failedPairs = 0;
        var line = 1;
        foreach (var row in rows)
        {
            line++;
            var a = outcomes[table.Get(row, "path1")].Embedding;
            var b = outcomes[table.Get(row, "path2")].Embedding;
            var same = table.GetInt(row, "same", line) == 1;
            var fold = table.Has("fold") ? table.GetInt(row, "fold", line) : -1;
            if (a is null || b is null)
            {
                failedPairs++;
            }

            scored.Add(new ScoredPair(a is null || b is null ? -1f : a.Similarity(b), same, fold));
        }

        var failed = outcomes.Values.Where(o => o.Failed).OrderBy(o => o.Path, StringComparer.Ordinal).ToArray();
        return new PairsResult(VerificationMetrics.Evaluate(scored), failed, failedPairs);
    }
}
