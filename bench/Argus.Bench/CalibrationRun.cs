using Argus.Core;
using Argus.Core.Evaluation;
using Argus.Vision.Pipeline;

namespace Argus.Bench;

/// <summary>
/// Calibration data from an identity-labelled image list (<c>path,identity</c>): every pair of images of one identity is
/// genuine, every pair across identities an impostor pair, so a few hundred images give tens of thousands of
/// impostor scores.
/// </summary>
public static class CalibrationRun
{
    public static (CalibrationReport Report, int Images, int Identities, int Failed) Run(
        FaceEngine engine, string csv, string root, int workers, IProgress<(int Done, int Total)>? progress = null)
    {
        var table = CsvTable.Load(csv, "path", "identity");
        var rows = table.Rows.Select(r => (Path: table.Get(r, "path"), Identity: table.Get(r, "identity"))).Distinct().ToArray();
        var outcomes = ImageSet.EmbedAll(engine, rows.Select(r => r.Path), root, workers, progress is null ? null : new Progress<int>(d => progress.Report((d, rows.Length))));
        var items = rows
            .Where(r => outcomes[r.Path].Embedding is not null)
            .Select(r => (r.Identity, Embedding: outcomes[r.Path].Embedding!))
            .ToArray();
        if (items.Length < 4)
        {
            throw new ArgusException("calibration.no_pairs", $"Only {items.Length} usable images in {csv}: calibration needs more.");
        }

        var genuine = new List<float>();
        var impostor = new List<float>(items.Length * items.Length / 2);
        for (var i = 0; i < items.Length; i++)
        {
            for (var j = i + 1; j < items.Length; j++)
            {
                var score = items[i].Embedding.Similarity(items[j].Embedding);
                (items[i].Identity == items[j].Identity ? genuine : impostor).Add(score);
            }
        }

        return (Calibration.Calibrate(genuine, impostor), items.Length, items.Select(x => x.Identity).Distinct().Count(), rows.Length - items.Length);
    }
}
