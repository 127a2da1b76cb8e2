using Argus.Core.Evaluation;
using Argus.Vision.Pipeline;

namespace Argus.Bench;

/// <summary>
/// False non-match and false match rates of one group (<c>(across groups)</c>: different-person pairs of two groups)
/// at the thresholds chosen for one overall target false-match rate on the other identity fold.
/// </summary>
public sealed record FairnessRow(string Group, double TargetFmr, int Identities, int GenuinePairs, int FalseNonMatches, int ImpostorPairs, int FalseMatches)
{
    public double Fnmr => GenuinePairs == 0 ? double.NaN : (double)FalseNonMatches / GenuinePairs;

    public double Fmr => ImpostorPairs == 0 ? double.NaN : (double)FalseMatches / ImpostorPairs;
}

public sealed record FairnessResult(IReadOnlyList<FairnessRow> Rows, string GroupSource, int Images, int FailedImages, IReadOnlyList<float> Thresholds);

/// <summary>
/// Demographic-differential report (issue 17): every pair of usable images in one or more images CSVs (<c>path,identity</c>)
/// is compared; the threshold for each target FMR is chosen on the different-person pairs of one identity fold and
/// applied to the other (pairs across folds are left out), and each group's FNMR (its same-person pairs) and FMR (its
/// different-person pairs within the group) are counted. Groups come from a CSV <c>identity,group</c> when given;
/// otherwise from the source collection named by the identity's prefix (faces-dev's <c>deepface_</c>, <c>orl_</c>...),
/// which is <b>not</b> a demographic label.
/// </summary>
public static class FairnessEvaluation
{
    public static FairnessResult Run(
        FaceEngine engine, IReadOnlyList<string> imagesCsvs, string root, string? groupsCsv, IReadOnlyList<double> targets, int workers, IProgress<(int Done, int Total)>? progress = null)
    {
        var rows = imagesCsvs.Select(csv => CsvTable.Load(csv, "path", "identity"))
            .SelectMany(t => t.Rows.Select(r => (Path: t.Get(r, "path"), Identity: t.Get(r, "identity")))).Distinct().ToArray();
        Dictionary<string, string>? labels = null;
        if (groupsCsv is not null)
        {
            var groups = CsvTable.Load(groupsCsv, "identity", "group");
            labels = groups.Rows.GroupBy(r => groups.Get(r, "identity"), StringComparer.Ordinal).ToDictionary(g => g.Key, g => groups.Get(g.First(), "group"), StringComparer.Ordinal);
        }

        string GroupOf(string identity) => labels is null
            ? (identity.IndexOf('_', StringComparison.Ordinal) is var i and > 0 ? identity[..i] : identity)
            : labels.TryGetValue(identity, out var g) ? g : throw new Core.ArgusException("csv.invalid", $"Identity {identity} has no group in {groupsCsv}.");

        var views = FaceViewSet.EmbedAll(engine, rows.Select(r => r.Path), root, workers, progress is null ? null : new Progress<int>(d => progress.Report((d, rows.Length))));
        var usable = rows.Select(r => (r.Identity, Group: GroupOf(r.Identity), Template: views[r.Path].Template(engine))).Where(r => r.Template is not null).ToArray();
        var folds = new IdentityFolds(usable.Select(u => u.Identity));

        // Scores of every pair within one fold, tagged with the fold and the groups.
        var pairs = new List<(float Score, bool Same, int Fold, string GroupA, string GroupB)>();
        for (var a = 0; a < usable.Length; a++)
        {
            for (var b = a + 1; b < usable.Length; b++)
            {
                var fa = folds.Of(usable[a].Identity);
                if (fa != folds.Of(usable[b].Identity))
                {
                    continue;
                }

                pairs.Add((usable[a].Template!.Similarity(usable[b].Template!), usable[a].Identity == usable[b].Identity, fa, usable[a].Group, usable[b].Group));
            }
        }

        var result = new List<FairnessRow>();
        var thresholds = new List<float>();
        var groupNames = usable.Select(u => u.Group).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        foreach (var target in targets)
        {
            var threshold = new float[2];
            for (var fold = 0; fold < 2; fold++)
            {
                var other = pairs.Where(p => p.Fold != fold && !p.Same).Select(p => p.Score).ToArray();
                threshold[fold] = VerificationMetrics.ThresholdAtRate(other, target);
                thresholds.Add(threshold[fold]);
            }

            bool Accepted((float Score, bool Same, int Fold, string GroupA, string GroupB) p) => p.Score >= threshold[p.Fold];
            foreach (var group in groupNames.Append("(all)").Append("(across groups)"))
            {
                var inGroup = group switch
                {
                    "(all)" => pairs,
                    "(across groups)" => [.. pairs.Where(p => p.GroupA != p.GroupB)],
                    _ => pairs.Where(p => p.GroupA == group && p.GroupB == group).ToList(),
                };
                var genuine = inGroup.Where(p => p.Same).ToArray();
                var impostor = inGroup.Where(p => !p.Same).ToArray();
                var identities = group.StartsWith('(') ? usable.Select(u => u.Identity).Distinct().Count() : usable.Where(u => u.Group == group).Select(u => u.Identity).Distinct().Count();
                result.Add(new FairnessRow(group, target, group == "(across groups)" ? 0 : identities, genuine.Length, genuine.Count(p => !Accepted(p)), impostor.Length, impostor.Count(Accepted)));
            }
        }

        return new FairnessResult(result, groupsCsv ?? "source collection (identity prefix)", rows.Length, views.Values.Count(v => v.Failed), thresholds);
    }
}
